import { Tokenizer as LibraryTokenizer } from '@huggingface/tokenizers';
import { beforeAll, describe, expect, it } from 'vitest';
import { TokenizerUsageError, TruncationError } from './errors.js';
import { loadVariant, readFixture } from './test-support.js';
import type { Tokenizer } from './tokenizer.js';

const NOTE =
  'HISTORY OF PRESENT ILLNESS:\n72 yo M w/ PMHx of CAD s/p CABG x3, presents w/ CP.\n' +
  'VS: T 98.6F  BP 142/88  HR 96  RR 18  SpO2 95% on RA. Started heparin gtt; troponin 0.12.';

let modernbert: Tokenizer;
let modernbertPrefixed: Tokenizer;
let clinical: Tokenizer;
let cased: Tokenizer;

beforeAll(async () => {
  [modernbert, modernbertPrefixed, clinical, cased] = await Promise.all([
    loadVariant('modernbert.default'),
    loadVariant('modernbert.add_prefix_space'),
    loadVariant('bio_clinicalbert.autotokenizer_lowercase'),
    loadVariant('bert_base_cased.cased'),
  ]);
});

describe('offsets', () => {
  it('slice each ModernBERT token back out of the note (UTF-16 offsets)', () => {
    const { ids, offsets, specialTokensMask } = modernbert.encode(NOTE);
    ids.forEach((id, i) => {
      if (specialTokensMask[i] === 1) return;
      const [start, end] = offsets[i]!;
      expect(NOTE.slice(start, end)).toBe(modernbert.decode([id]));
    });
  });

  it('slice each cased WordPiece token back out of the note', () => {
    const { tokens, offsets, specialTokensMask } = cased.encode(NOTE);
    tokens.forEach((token, i) => {
      if (specialTokensMask[i] === 1) return;
      const [start, end] = offsets[i]!;
      expect(NOTE.slice(start, end)).toBe(token.replace(/^##/, ''));
    });
  });
});

describe('truncation', () => {
  it('switches longest_first on when only maxLength is given, as transformers does', () => {
    expect(clinical.encode(NOTE, { maxLength: 8 }).ids).toEqual(
      clinical.encode(NOTE, { maxLength: 8, truncation: true }).ids,
    );
    expect(clinical.encode(NOTE, { maxLength: 8 }).ids).toHaveLength(8);
  });

  it('keeps the last tokens with truncationSide left', () => {
    const full = clinical.encode(NOTE, { addSpecialTokens: false }).ids;
    const left = clinical.encode(NOTE, { truncation: true, maxLength: 7, truncationSide: 'left' }).ids;
    expect(left).toEqual([clinical.clsTokenId, ...full.slice(-5), clinical.sepTokenId]);
  });

  it("raises the Rust error for 'only_second' without a second sequence", () => {
    expect(() => clinical.encode(NOTE, { truncation: 'only_second', maxLength: 8 })).toThrow(TruncationError);
    expect(() => clinical.encode(NOTE, { truncation: 'only_second', maxLength: 8 })).toThrow(
      'Truncation error: Second sequence not provided',
    );
  });

  it('refuses a maxLength that leaves no room for the special tokens', () => {
    expect(() => clinical.encode('a b', { textPair: 'c', truncation: true, maxLength: 2 })).toThrow(
      TokenizerUsageError,
    );
  });
});

describe('padding', () => {
  it('pads to a multiple of padToMultipleOf, on the side asked for', () => {
    const unpadded = modernbert.encode('pt SOB').ids.length;
    expect(unpadded % 8).not.toBe(0);
    const [right] = modernbert.encodeBatch(['pt SOB'], { padding: true, padToMultipleOf: 8 });
    const [left] = modernbert.encodeBatch(['pt SOB'], {
      padding: true,
      padToMultipleOf: 8,
      paddingSide: 'left',
    });
    expect(right!.ids).toHaveLength(8);
    expect(right!.ids.at(-1)).toBe(modernbert.padTokenId);
    expect(right!.attentionMask.at(-1)).toBe(0);
    expect(left!.ids[0]).toBe(modernbert.padTokenId);
    expect(left!.ids.filter((id) => id !== modernbert.padTokenId)).toEqual(
      right!.ids.filter((id) => id !== modernbert.padTokenId),
    );
  });

  it('pairs textPairs with texts in a batch, BERT type ids 0 then 1', () => {
    const [encoding] = clinical.encodeBatch(['Patient has HTN.'], { textPairs: ['He is hypertensive.'] });
    expect(encoding).toEqual(clinical.encode('Patient has HTN.', { textPair: 'He is hypertensive.' }));
    expect(encoding!.typeIds.at(-1)).toBe(1);
    expect(() => clinical.encodeBatch(['a', 'b'], { textPairs: ['c'] })).toThrow(TokenizerUsageError);
  });
});

describe('pre-split words (the NER path)', () => {
  it('gives word ids that pick out the first sub-token of each word, batched and padded', () => {
    const batch = [
      ['Pt', 'c/o', 'SOB'],
      ['Metoprolol', '25mg', 'PO', 'BID'],
    ];
    const encodings = modernbertPrefixed.encodeWordsBatch(batch, { padding: true });
    expect(new Set(encodings.map((e) => e.ids.length)).size).toBe(1);
    encodings.forEach((encoding, b) => {
      const firsts = encoding.wordIds.filter((w, i) => w !== null && w !== encoding.wordIds[i - 1]);
      expect(firsts).toEqual(batch[b]!.map((_, i) => i));
      // add_prefix_space: every word starts with "Ġ".
      encoding.wordIds.forEach((w, i) => {
        if (w !== null && w !== encoding.wordIds[i - 1])
          expect(encoding.tokens[i]!.startsWith('Ġ')).toBe(true);
      });
    });
  });
});

describe('fixes over @huggingface/tokenizers', () => {
  const library = () =>
    new LibraryTokenizer(
      JSON.parse(readFixture('modernbert/tokenizer.json')),
      JSON.parse(readFixture('modernbert/tokenizer_config.json')),
    );

  it('keeps the second [SEP] of an empty text_pair, which the library drops', () => {
    const ours = modernbert.encode('short', { textPair: '' });
    expect(ours.tokens).toEqual(['[CLS]', 'short', '[SEP]', '[SEP]']);
    expect(library().encode('short', { text_pair: '' }).tokens).toEqual(['[CLS]', 'short', '[SEP]']);
  });

  it('renders [MASK] (lstrip) with the space it took, as the Rust library does', () => {
    const ours = modernbert.encode('The [MASK] was elevated.');
    expect(ours.tokens[2]).toBe(' [MASK]');
    expect(ours.ids[2]).toBe(modernbert.maskTokenId);
    expect(ours.offsets[2]).toEqual([3, 10]);
    expect(library().encode('The [MASK] was elevated.').tokens[2]).toBe('[MASK]');
  });
});

describe('decode', () => {
  it('gives back a ModernBERT note exactly (byte-level BPE is lossless)', () => {
    expect(modernbert.decode(modernbert.encode(NOTE).ids, { skipSpecialTokens: true })).toBe(NOTE);
    expect(modernbert.decode([])).toBe('');
  });

  it('gives the lower-cased Bio_ClinicalBERT text transformers decodes', () => {
    const ids = clinical.encode('Abnormality is found in the left lobe of the lung.').ids;
    expect(clinical.decode(ids)).toBe('[CLS] abnormality is found in the left lobe of the lung. [SEP]');
    expect(clinical.decode(ids, { skipSpecialTokens: true })).toBe(
      'abnormality is found in the left lobe of the lung.',
    );
  });
});

describe('long documents', () => {
  it('tokenizes a 4 MB single document without overflowing the stack, offsets in order to its end', () => {
    const document = `${NOTE}\n\n`.repeat(Math.ceil(4_000_000 / (NOTE.length + 2))).trimEnd();
    const { ids, offsets } = modernbert.encode(document);
    expect(ids.length).toBeGreaterThan(1_000_000);
    let previousEnd = 0;
    let inOrder = true;
    for (let i = 1; i < offsets.length - 1; i++) {
      inOrder &&= offsets[i]![0] >= previousEnd;
      previousEnd = offsets[i]![1];
    }
    expect(inOrder).toBe(true);
    expect(previousEnd).toBe(document.length);
  });
});

describe('convertTokensToString (the tokenizer.json decoder, as the Rust binding decodes)', () => {
  it('joins WordPiece continuations and cleans up spaces before punctuation', () => {
    expect(cased.convertTokensToString(['met', '##formin', 'daily', '.', "'", 's', 'café', '患'])).toBe(
      "metformin daily. ' s café 患",
    );
    expect(cased.continuingSubwordPrefix).toBe('##');
  });

  it('decodes byte-level BPE pieces back to bytes, emoji split across tokens included', () => {
    expect(
      modernbert.convertTokensToString(['Ġdon', "'t", 'ĠCT', 'Ġscan', 'ðŁ', 'Ļ', 'Ĥ', 'Ġ', 'Ġ', '.']),
    ).toBe(" don't CT scan🙂  .");
    // Text outside the byte alphabet (an already decoded word) stays as it is, as in Rust; 'é' alone is byte 0xE9.
    expect(modernbert.convertTokensToString(['Pt', ' ', ' denies', 'a é'])).toBe('Pt  deniesa é');
    expect(modernbert.convertTokensToString(['é'])).toBe('\ufffd');
    expect(modernbert.continuingSubwordPrefix).toBeNull();
  });
});
