import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rawDirOf } from '../test-fixtures.js';
import { deid } from './deid.js';
import { deidSplitsFromBlobs, deidSplitsFromText } from './deid-text.js';

const raw = rawDirOf('DEID');
const idText = readFileSync(join(raw, 'id.text'));
const idRes = readFileSync(join(raw, 'id.res'));

describe('DEID from file contents (the browser entry)', () => {
  it('gives the same splits from the two texts as the adapter gives from the folder', async () => {
    const fromFolder = await deid.load(raw);
    const fromText = deidSplitsFromText(idText.toString('utf8'), idRes.toString('utf8'), join(raw, 'id.res'));
    expect(fromText).toEqual(fromFolder);
  });

  it('gives the same splits from Blobs, and from text with Windows line ends', async () => {
    const fromText = deidSplitsFromText(idText.toString('utf8'), idRes.toString('utf8'));
    const crlf = (bytes: Buffer) => bytes.toString('utf8').replaceAll('\n', '\r\n');
    expect(deidSplitsFromText(crlf(idText), crlf(idRes))).toEqual(fromText);
    expect(await deidSplitsFromBlobs(new Blob([idText]), new Blob([idRes]))).toEqual(fromText);
  });
});
