import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { productionTree, readManifest, TFJS_PACKAGE } from '../../core/src/testing/package-tree.js';

const packageDir = (name: string) => fileURLToPath(new URL(`../../${name}/`, import.meta.url));

describe.each(['onnx', 'architectures'])('@bcmb/%s production dependencies', (name) => {
  const tree = [...productionTree(packageDir(name))].map(([, manifest]) => manifest.name);

  it('pull in no TensorFlow.js package, anywhere in the tree', () => {
    expect(tree).toContain(readManifest(packageDir(name)).name);
    expect(tree).toContain('@bcmb/architectures');
    expect(tree.filter((dependency) => TFJS_PACKAGE.test(dependency))).toEqual([]);
  });
});
