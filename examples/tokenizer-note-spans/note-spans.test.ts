import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { tokenTable } from './note-spans.js';

const fixtures = fileURLToPath(new URL('../../packages/tokenizer/fixtures/', import.meta.url));
const NOTE = 'Pt c/o SOB, BP 142/88.';

describe('tokenizer-note-spans example', () => {
  it('shows ModernBERT tokens (with the add_prefix_space Ġ) next to the note text they cover', async () => {
    const table = await tokenTable(`${fixtures}modernbert`, NOTE);
    expect(table.split('\n')[1]).toMatch(/^ {2}0 {2}ĠPt +"Pt"$/);
    expect(table).toMatch(/^ {2}7 {2}Ġ142 +" 142"$/m);
  });

  it('shows Bio_ClinicalBERT lower-casing a cased note, spans still on the original text', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const table = await tokenTable(`${fixtures}bert-base-cased`, NOTE);
    expect(warn).toHaveBeenCalledOnce();
    expect(table).toMatch(/^ {2}4 {2}sob +"SOB"$/m);
    expect(table).toMatch(/^ {2}0 {2}##t +"t"$/m);
    warn.mockRestore();
  });
});
