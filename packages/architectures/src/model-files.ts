/** The files of a Hugging Face model folder that bcmb reads: one list, used by hub, modeling, trainer and speedbench. */
export const CONFIG_FILE = 'config.json';

export const SAFETENSORS_WEIGHTS_FILE = 'model.safetensors';
export const SAFETENSORS_INDEX_FILE = 'model.safetensors.index.json';
export const PYTORCH_WEIGHTS_FILE = 'pytorch_model.bin';
export const PYTORCH_INDEX_FILE = 'pytorch_model.bin.index.json';

/** Weight files in the order transformers' `from_pretrained` prefers them (safetensors first, then torch pickles). */
export const WEIGHT_FILES = [
  SAFETENSORS_WEIGHTS_FILE,
  SAFETENSORS_INDEX_FILE,
  PYTORCH_WEIGHTS_FILE,
  PYTORCH_INDEX_FILE,
] as const;

/** Weight files bcmb loads today (sharded torch pickles are not read). */
export const LOADABLE_WEIGHT_FILES = [
  SAFETENSORS_WEIGHTS_FILE,
  SAFETENSORS_INDEX_FILE,
  PYTORCH_WEIGHTS_FILE,
] as const;

/** A weight file or shard name: `model(-00001-of-00002).safetensors`, `pytorch_model(-…).bin`. */
export const WEIGHT_FILE_PATTERN = /^(model|pytorch_model)(-\d+-of-\d+)?\.(safetensors|bin)$/;

/** Tokenizer files of the WordPiece (vocab.txt), BPE (vocab.json + merges.txt) and fast (tokenizer.json) families. */
export const TOKENIZER_FILES = [
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'vocab.txt',
  'vocab.json',
  'merges.txt',
] as const;

/** A folder holding one of these has a tokenizer bcmb can build. */
export const TOKENIZER_DEFINING_FILES = ['tokenizer.json', 'vocab.txt'] as const;
