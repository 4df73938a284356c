import { readPythonText } from '../python-text-file.js';
import { requireRawFile } from '../raw-files.js';
import type { DatasetSplits, TaskAdapter, TokenExample } from '../types.js';
import { DEID_LABELS, DEID_SOURCE, deidSplitsFromText } from './deid-text.js';

export {
  DEID_LABELS,
  DEID_SOURCE,
  DEID_SPLIT,
  type DeidCategory,
  type DeidRecordRef,
  type DeidRecordResult,
  deidSplitsFromText,
  mapDeidMask,
  processDeidRecord,
} from './deid-text.js';

async function deidFiles(rawDir: string): Promise<[text: string, res: string]> {
  return [
    await requireRawFile('DEID', rawDir, 'id.text', DEID_SOURCE),
    await requireRawFile('DEID', rawDir, 'id.res', DEID_SOURCE),
  ];
}

export const deid: TaskAdapter<TokenExample> = {
  name: 'DEID',
  problemType: 'token',
  labelNames: DEID_LABELS,
  version: '1',
  dirName: 'DEID',
  inputFiles: deidFiles,
  async load(rawDir): Promise<DatasetSplits<TokenExample>> {
    const [textPath, resPath] = await deidFiles(rawDir);
    return deidSplitsFromText(await readPythonText(textPath), await readPythonText(resPath), resPath);
  },
};
