import { readFile } from 'node:fs/promises';
import { decodePythonText } from './python-text.js';

/** `open(path, encoding="utf-8").read()`: strict UTF-8 (a BOM is kept as a character), universal newlines. */
export async function readPythonText(path: string): Promise<string> {
  return decodePythonText(await readFile(path), path);
}
