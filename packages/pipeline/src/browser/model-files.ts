import { BcmbError } from '@bcmb/core';

/** A model file that cannot be fetched or read in the browser. */
export class ModelFilesError extends BcmbError {}

/**
 * The files of a Hugging Face model folder wherever a browser finds them: under a URL (fetch) or among files the
 * user picked (`<input type="file" webkitdirectory>`, drag and drop). `bytes` and `text` resolve to `undefined`
 * when the model has no such file.
 */
export interface ModelFiles {
  /** Names the model in messages (the URL, or the picked folder). */
  readonly source: string;
  bytes(name: string): Promise<Uint8Array | undefined>;
  text(name: string): Promise<string | undefined>;
}

/**
 * The model folder served under `baseUrl` (`https://host/models/deid/` or a relative `./model/`). A 404 means
 * the file is absent; any other failure is a `ModelFilesError`. `fetchImpl` defaults to the global `fetch`.
 */
export function modelFilesFromUrl(baseUrl: string, fetchImpl: typeof fetch = fetch): ModelFiles {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const get = async (name: string): Promise<Response | undefined> => {
    const url = `${base}${name}`;
    let response: Response;
    try {
      response = await fetchImpl(url);
    } catch (cause) {
      throw new ModelFilesError(`cannot fetch ${name}`, {
        file: url,
        cause,
        hint: 'Check the model URL, and that its server allows this origin (CORS)',
      });
    }
    if (response.status === 404) return undefined;
    if (!response.ok) {
      throw new ModelFilesError(`fetching ${name} answered HTTP ${response.status}`, {
        file: url,
        hint: 'Check that the model folder is served and readable',
      });
    }
    return response;
  };
  return {
    source: base,
    async bytes(name) {
      const response = await get(name);
      return response === undefined ? undefined : new Uint8Array(await response.arrayBuffer());
    },
    async text(name) {
      return (await get(name))?.text();
    },
  };
}

/** A picked file: a `File`, or any `Blob` given a name. */
export interface NamedBlob {
  readonly name: string;
  readonly webkitRelativePath?: string;
  arrayBuffer(): Promise<ArrayBuffer>;
  text(): Promise<string>;
}

/**
 * The model folder among files the user picked: matched by file name, whatever folder they sit in (a picked
 * directory gives `folder/config.json`). Two picked files of one name are refused, so the model is never mixed
 * from two folders.
 */
export function modelFilesFromBlobs(files: Iterable<NamedBlob>, source = 'picked files'): ModelFiles {
  const byName = new Map<string, NamedBlob>();
  for (const file of files) {
    const name = file.name.split('/').at(-1) as string;
    if (byName.has(name)) {
      throw new ModelFilesError(`two picked files are named ${name}`, {
        file: file.webkitRelativePath || name,
        hint: 'Pick the files of one model folder only',
      });
    }
    byName.set(name, file);
  }
  return {
    source,
    async bytes(name) {
      const file = byName.get(name);
      return file === undefined ? undefined : new Uint8Array(await file.arrayBuffer());
    },
    async text(name) {
      return byName.get(name)?.text();
    },
  };
}
