// Load one of the five clinical benchmarks from its raw files with nothing but @bcmb/datasets.
//   npx tsx load-task.ts ChemProt data/raw/ChemProt
import { getTask, type LoadedTask, listTasks, loadTask } from '@bcmb/datasets';

/** Loads `task` (cached under data/processed/<task>) and returns a short human-readable summary. */
export async function summarizeTask(task: string, rawDir?: string, processedDir?: string): Promise<string> {
  const loaded: LoadedTask = await loadTask(task, { rawDir, processedDir });
  const lines = [
    `${loaded.task} (${loaded.problemType}${loaded.fromCache ? ', from cache' : ''})`,
    `  train ${loaded.train.length} · validation ${loaded.validation.length} · test ${loaded.test.length}`,
    `  ${loaded.labelNames.length} labels: ${loaded.labelNames.slice(0, 6).join(', ')}${loaded.labelNames.length > 6 ? ', …' : ''}`,
  ];
  const first = loaded.train[0];
  if (first !== undefined && 'tokens' in first) {
    const tagged = first.tokens.map((token, i) => `${token}/${loaded.labelNames[first.nerTags[i]!]}`);
    lines.push(`  first train example: ${tagged.slice(0, 8).join(' ')}`);
  } else if (first !== undefined) {
    const labels = Array.isArray(first.labels)
      ? loaded.labelNames.filter((_, i) => (first.labels as number[])[i] === 1)
      : [loaded.labelNames[first.labels]];
    lines.push(
      `  first train example: ${JSON.stringify(first.text.slice(0, 60))} → ${labels.join(', ') || '(none)'}`,
    );
  }
  for (const warning of loaded.warnings) lines.push(`  warning ${warning.code}: ${warning.message}`);
  return lines.join('\n');
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '')) {
  const [task = 'ChemProt', rawDir] = process.argv.slice(2);
  if (!listTasks().includes(task)) {
    console.error(`Unknown task ${task}; one of: ${listTasks().join(', ')}`);
    process.exit(1);
  }
  console.log(
    `Loading ${task} (${getTask(task).problemType}) from ${rawDir ?? `data/raw/${getTask(task).dirName}`}`,
  );
  console.log(await summarizeTask(task, rawDir));
}
