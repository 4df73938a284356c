/**
 * Time to unpickle one LONG4 integer of 256 KiB and of 1 MiB (the cap), the figure issue 17 asked for.
 * Run: pnpm --filter @bcmb/architectures bench
 */
import { MAX_LONG_BYTES, type PickleEnvironment, unpickle } from '../src/weights/pickle.js';

const env: PickleEnvironment = {
  findGlobal: () => null,
  call: () => null,
  build: () => undefined,
  persistentLoad: () => null,
};

for (const length of [256 << 10, MAX_LONG_BYTES]) {
  const bytes = new Uint8Array(2 + 5 + length + 1);
  bytes.set([0x80, 2, 0x8b]);
  new DataView(bytes.buffer).setInt32(3, length, true);
  for (let i = 0; i < length; i++) bytes[7 + i] = (i * 131 + 7) & 0xff;
  bytes[bytes.length - 1] = 0x2e;
  const times: number[] = [];
  for (let run = 0; run < 5; run++) {
    const start = performance.now();
    unpickle(bytes, 0, env, 'bench.pkl');
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  console.log(
    `LONG4 of ${length} bytes: median ${times[2]!.toFixed(1)} ms (min ${times[0]!.toFixed(1)} ms, 5 runs)`,
  );
}
