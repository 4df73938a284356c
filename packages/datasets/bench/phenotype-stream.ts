// Streams a synthetic NOTEEVENTS.csv of at least 1 GB through the Phenotype adapter and prints throughput and
// the adapter's peak RSS. The data is generated into a temp dir and deleted afterwards.
//   pnpm --filter @bcmb/datasets bench            (BENCH_NOTES_GB=4 for a MIMIC-sized file)
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getTask, PHENOTYPE_LABELS } from '../src/index.js';

const TARGET_BYTES = Number(process.env.BENCH_NOTES_GB ?? 1) * 1024 ** 3;
/** About as many annotated notes as the real ACTdb102003.csv (1,610 rows). */
const ANNOTATED_NOTES = 1600;
const NOTES_HEADER =
  'ROW_ID,SUBJECT_ID,HADM_ID,CHARTDATE,CHARTTIME,STORETIME,CATEGORY,DESCRIPTION,CGID,ISERROR,TEXT\n';
const SENTENCES = [
  'Patient is a 67 year old man admitted with shortness of breath, "worse at night".',
  'Past medical history: CHF (EF 25%), COPD on home O2, type 2 diabetes.',
  'Social history: lives with wife, quit smoking 10 years ago, occasional EtOH.',
  'Exam: afebrile, BP 128/76, HR 88, sats 93% on 2L; bibasilar crackles.',
  'Plan: diurese with IV furosemide, daily weights, follow up with cardiology.',
];

/** A multi-line quoted TEXT field of about 4 KB, with commas, quotes and newlines as in MIMIC notes. */
function noteText(rowId: number): string {
  const lines = [`Admission Date:  [**2150-1-${(rowId % 28) + 1}**]`];
  for (let i = 0; lines.join('\n').length < 4000; i++) lines.push(SENTENCES[(rowId + i) % SENTENCES.length]!);
  return `"${lines.join('\n').replaceAll('"', '""')}\n"`;
}

async function writeNotes(path: string): Promise<{ rows: number; bytes: number }> {
  const out = createWriteStream(path);
  let bytes = 0;
  let rows = 0;
  const write = async (chunk: string) => {
    bytes += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  };
  await write(NOTES_HEADER);
  while (bytes < TARGET_BYTES) {
    rows += 1;
    await write(
      `${rows},${9000 + rows},${100000 + rows},2150-01-01,,,Discharge summary,Report,,,${noteText(rows)}\n`,
    );
  }
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
  return { rows, bytes };
}

async function writeAnnotations(path: string, noteRows: number): Promise<void> {
  const header = `HADM_ID,SUBJECT_ID,ROW_ID,BATCH.ID,OPERATOR,${[...PHENOTYPE_LABELS, 'NONE'].join(',')}\n`;
  const lines: string[] = [];
  for (let i = 0; i < ANNOTATED_NOTES; i++) {
    const rowId = 1 + Math.floor((i * noteRows) / ANNOTATED_NOTES);
    const flags = PHENOTYPE_LABELS.map((_, k) => ((rowId + k) % 7 === 0 ? 1 : 0));
    lines.push(`${100000 + rowId},${9000 + rowId},${rowId},B1,A,${flags.join(',')},0`);
  }
  await writeFile(path, `${header}${lines.join('\n')}\n`);
}

interface ChildReport {
  seconds: number;
  examples: number;
  maxRssMb: number;
}

/** Runs the adapter in a fresh process so its peak RSS is the adapter's own, not the generator's. */
async function measureInChild(rawDir: string): Promise<ChildReport> {
  const child = fork(fileURLToPath(import.meta.url), ['--load', rawDir], { execArgv: process.execArgv });
  return new Promise((resolve, reject) => {
    child.once('message', (report) => resolve(report as ChildReport));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`benchmark child exited with ${code}`));
    });
  });
}

async function loadOnce(rawDir: string): Promise<void> {
  const started = performance.now();
  const splits = await getTask('Phenotype').load(rawDir);
  const report: ChildReport = {
    seconds: (performance.now() - started) / 1000,
    examples: splits.train.length + splits.validation.length + splits.test.length,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  };
  process.send?.(report);
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'bcmb-phenotype-bench-'));
  try {
    const generated = performance.now();
    const { rows } = await writeNotes(join(dir, 'NOTEEVENTS.csv'));
    await writeAnnotations(join(dir, 'ACTdb102003.csv'), rows);
    const size = (await stat(join(dir, 'NOTEEVENTS.csv'))).size;
    console.log(
      `generated NOTEEVENTS.csv: ${(size / 1e6).toFixed(0)} MB, ${rows} notes, in ${((performance.now() - generated) / 1000).toFixed(1)} s`,
    );
    const report = await measureInChild(dir);
    console.log(`Phenotype adapter: ${report.examples} examples from ${ANNOTATED_NOTES} annotations`);
    console.log(`  time      ${report.seconds.toFixed(1)} s`);
    console.log(`  throughput ${(size / 1e6 / report.seconds).toFixed(1)} MB/s`);
    console.log(`  peak RSS  ${report.maxRssMb.toFixed(0)} MB (budget 1024 MB)`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const loadIndex = process.argv.indexOf('--load');
if (loadIndex === -1) await main();
else await loadOnce(process.argv[loadIndex + 1]!);
