/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The page: note input (paste, type, drop), model choice (URL or picked folder), highlighted spans, redacted
// download. The model runs in worker.ts, so typing and scrolling stay responsive during inference.
import type { PhiSpan } from './predict-spans.js';
import type { Reply, Request, WebDevice } from './protocol.js';
import { redact, segments } from './redact.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const note = $<HTMLTextAreaElement>('note');
const findButton = $<HTMLButtonElement>('find');
const downloadButton = $<HTMLButtonElement>('download');
const highlighted = $<HTMLPreElement>('highlighted');
const modelStatus = $<HTMLParagraphElement>('model-status');
const runStatus = $<HTMLSpanElement>('run-status');
const legend = $<HTMLDivElement>('legend');

const params = new URLSearchParams(location.search);
const device = (params.get('device') ?? 'auto') as WebDevice;
const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
const send = (request: Request) => worker.postMessage(request);

let lastId = 0;
let result: { text: string; spans: PhiSpan[] } | undefined;

/** A stable pastel colour per label (hue from the label's characters). */
function colour(label: string): string {
  let hash = 0;
  for (const char of label) hash = (hash * 31 + (char.codePointAt(0) as number)) % 360;
  return `hsl(${hash} 85% 80%)`;
}

function showLegend(labels: string[]) {
  const types = [...new Set(labels.filter((l) => l !== 'O').map((l) => l.replace(/^[BI]-/, '')))];
  legend.replaceChildren(
    ...types.map((type) => {
      const item = document.createElement('span');
      item.textContent = type;
      item.style.background = colour(type);
      return item;
    }),
  );
}

function showSpans(text: string, spans: PhiSpan[]) {
  highlighted.replaceChildren(
    ...segments(text, spans).map((piece) => {
      if (piece.label === undefined) return document.createTextNode(piece.text);
      const mark = document.createElement('mark');
      mark.textContent = piece.text;
      mark.dataset.label = piece.label;
      mark.dataset.start = String(piece.start);
      mark.dataset.end = String(piece.end);
      mark.style.setProperty('--phi', colour(piece.label));
      return mark;
    }),
  );
}

worker.onmessage = ({ data }: MessageEvent<Reply>) => {
  if (data.type === 'loaded') {
    modelStatus.textContent = `Model loaded from ${data.source} (${data.device}).`;
    document.body.dataset.model = 'ready';
    showLegend(data.labels);
    findButton.disabled = false;
  } else if (data.type === 'spans') {
    if (data.id !== lastId) return;
    result = { text: note.value, spans: data.spans };
    showSpans(result.text, data.spans);
    runStatus.textContent = `${data.spans.length} span(s) in ${Math.round(data.milliseconds)} ms.`;
    document.body.dataset.spans = 'ready';
    findButton.disabled = false;
    downloadButton.disabled = false;
  } else {
    const where = data.id === undefined ? modelStatus : runStatus;
    where.textContent = `Error: ${data.message}`;
    document.body.dataset.error = data.message;
    findButton.disabled = data.id === undefined;
  }
};

function load(request: Request) {
  findButton.disabled = true;
  delete document.body.dataset.model;
  modelStatus.textContent = 'Loading the model…';
  send(request);
}

$('load-url').addEventListener('click', () =>
  load({ type: 'load', modelUrl: $<HTMLInputElement>('model-url').value, device }),
);
$<HTMLInputElement>('model-folder').addEventListener('change', (event) => {
  const files = [...((event.target as HTMLInputElement).files ?? [])];
  if (files.length > 0) load({ type: 'load', files, device });
});

findButton.addEventListener('click', () => {
  findButton.disabled = true;
  delete document.body.dataset.spans;
  runStatus.textContent = 'Finding PHI…';
  lastId += 1;
  send({ type: 'predict', id: lastId, text: note.value });
});

downloadButton.addEventListener('click', () => {
  if (result === undefined) return;
  const blob = new Blob([redact(result.text, result.spans)], { type: 'text/plain' });
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = 'redacted-note.txt';
  link.click();
  URL.revokeObjectURL(link.href);
});

note.addEventListener('input', () => {
  downloadButton.disabled = true;
});
note.addEventListener('dragover', (event) => {
  event.preventDefault();
  note.classList.add('dragging');
});
note.addEventListener('dragleave', () => note.classList.remove('dragging'));
note.addEventListener('drop', async (event) => {
  event.preventDefault();
  note.classList.remove('dragging');
  const file = event.dataTransfer?.files[0];
  if (file !== undefined) note.value = await file.text();
});

load({ type: 'load', modelUrl: params.get('model') ?? $<HTMLInputElement>('model-url').value, device });
