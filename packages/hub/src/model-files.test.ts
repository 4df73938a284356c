import { describe, expect, it } from 'vitest';
import { type EntryState, selectModelFiles, weightShards } from './model-files.js';

const repo =
  (present: string[], absent: string[] | 'rest' = 'rest') =>
  (file: string): EntryState =>
    present.includes(file) ? 'present' : absent === 'rest' || absent.includes(file) ? 'absent' : 'unknown';

describe('selectModelFiles', () => {
  it('prefers model.safetensors over pytorch_model.bin like transformers from_pretrained', () => {
    const { files, missing } = selectModelFiles(
      repo(['config.json', 'pytorch_model.bin', 'model.safetensors', 'vocab.txt']),
      { strict: true },
    );
    expect(files).toEqual(['config.json', 'model.safetensors', 'vocab.txt']);
    expect(missing).toEqual([]);
  });

  it('prefers a sharded safetensors index over a single pytorch_model.bin', () => {
    const { files } = selectModelFiles(
      repo(['config.json', 'model.safetensors.index.json', 'pytorch_model.bin']),
      { strict: true },
    );
    expect(files).toEqual(['config.json', 'model.safetensors.index.json']);
  });

  it('keeps vocab.json and merges.txt of a BPE tokenizer without tokenizer.json', () => {
    const { files } = selectModelFiles(
      repo(['config.json', 'model.safetensors', 'vocab.json', 'merges.txt']),
      { strict: true },
    );
    expect(files).toEqual(['config.json', 'model.safetensors', 'vocab.json', 'merges.txt']);
  });

  it('in strict mode asks about every file that could change the choice', () => {
    // A cache holding only pytorch_model.bin cannot tell whether the repo also has model.safetensors.
    const state = repo(
      ['config.json', 'pytorch_model.bin', 'vocab.txt'],
      ['tokenizer_config.json', 'special_tokens_map.json', 'tokenizer.json'],
    );
    expect(selectModelFiles(state, { strict: true }).missing).toEqual(['model.safetensors']);
    expect(selectModelFiles(state, { strict: false })).toEqual({
      files: ['config.json', 'pytorch_model.bin', 'vocab.txt'],
      missing: [],
    });
  });

  it('needs no BPE files to be known once a WordPiece vocab.txt is present', () => {
    const state = repo(
      ['config.json', 'model.safetensors', 'vocab.txt'],
      ['model.safetensors.index.json', 'tokenizer_config.json', 'special_tokens_map.json', 'tokenizer.json'],
    );
    expect(selectModelFiles(state, { strict: true }).missing).toEqual([]);
  });

  it('reports config.json and weights as missing even when lenient', () => {
    expect(selectModelFiles(repo(['vocab.txt']), { strict: false }).missing).toEqual([
      'config.json',
      'model.safetensors',
    ]);
  });

  it('takes exactly the requested files', () => {
    expect(
      selectModelFiles(repo(['config.json', 'model.safetensors']), {
        strict: true,
        requested: ['config.json', 'x.bin'],
      }),
    ).toEqual({
      files: ['config.json'],
      missing: ['x.bin'],
    });
  });
});

describe('weightShards', () => {
  it('lists each shard of a weight_map once, in first-seen order', () => {
    const index = JSON.stringify({
      weight_map: {
        a: 'model-00002.safetensors',
        b: 'model-00001.safetensors',
        c: 'model-00002.safetensors',
      },
    });
    expect(weightShards(index, 'model.safetensors.index.json')).toEqual([
      'model-00002.safetensors',
      'model-00001.safetensors',
    ]);
  });

  it('refuses shard paths that would leave the snapshot', () => {
    expect(() => weightShards(JSON.stringify({ weight_map: { a: '../../blobs/x' } }), 'i.json')).toThrow(
      /unsafe shard path/,
    );
  });
});
