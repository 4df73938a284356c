import { Mt19937 } from '@bcmb/datasets';

/**
 * PyTorch's default CPU generator seed (`c10::default_rng_seed_val`), used by a fresh process that never
 * called `torch.manual_seed`. Its MT19937 engine keeps only the low 32 bits.
 */
export const TORCH_DEFAULT_SEED = 67280421310721;

/** Below this many elements `normal_` takes the scalar Box–Muller path (ATen `normal_kernel`). */
const VECTORIZED_NORMAL_MIN_SIZE = 16;
const FLOAT32_MANTISSA = 2 ** -24;
const FLOAT64_MANTISSA = 2 ** -53;
const f32 = Math.fround;

/**
 * The random stream of `torch` on CPU, value for value: an MT19937 engine (`@bcmb/datasets`' numpy one, which
 * `at::mt19937` seeds the same way: `init_genrand` with the seed's low 32 bits) with ATen's transformations on
 * top (`randint`, `normal_` in float32). It lets the benchmark draw the research's exact synthetic token ids and
 * lengths without PyTorch.
 *
 * Float32 `normal_` goes through `log`/`cos`/`sin`; ours computes them in float64 and rounds, which can
 * differ from libm/Sleef in the last bit and so, very rarely, move a truncated length by one.
 */
export class TorchCpuGenerator {
  private engine: Mt19937;
  /** The cached second Box–Muller sample of the scalar float64 path (`next_double_normal_sample`). */
  private nextDoubleNormal: number | undefined;

  constructor(seed: number) {
    this.engine = engineFor(seed);
  }

  /** `torch.manual_seed(seed)`: a fresh engine and no cached normal sample. */
  manualSeed(seed: number): void {
    this.engine = engineFor(seed);
    this.nextDoubleNormal = undefined;
  }

  /** One 32-bit draw (`CPUGeneratorImpl::random`). */
  random(): number {
    return this.engine.nextUint32();
  }

  /** Advances the stream by `count` 32-bit draws. */
  skip(count: number): void {
    for (let i = 0; i < count; i++) this.engine.nextUint32();
  }

  /**
   * `torch.randint(low, high, (count,))` written into `out` from `offset`: each value is
   * `random() % (high - low) + low` (ATen `uniform_int_from_to_distribution` for ranges below 2^32).
   */
  randintInto(out: Int32Array, offset: number, count: number, low: number, high: number): void {
    const range = high - low;
    for (let i = 0; i < count; i++) out[offset + i] = (this.engine.nextUint32() % range) + low;
  }

  /** `torch.normal(mean, std, size=(count,))` for a float32 tensor. */
  normal(count: number, mean: number, std: number): Float32Array {
    return count >= VECTORIZED_NORMAL_MIN_SIZE
      ? this.normalVectorized(count, mean, std)
      : this.normalScalar(count, mean, std);
  }

  private uniformFloat32(): number {
    return f32((this.random() & 0xffffff) * FLOAT32_MANTISSA);
  }

  private uniformFloat64(): number {
    const high = BigInt(this.random());
    const low = BigInt(this.random());
    return Number(((high << 32n) | low) & ((1n << 53n) - 1n)) * FLOAT64_MANTISSA;
  }

  /** ATen `normal_fill`: all uniforms first, then Box–Muller over blocks of 16 (pairs j, j + 8). */
  private normalVectorized(count: number, mean: number, std: number): Float32Array {
    const data = new Float32Array(count);
    for (let i = 0; i < count; i++) data[i] = this.uniformFloat32();
    for (let i = 0; i + 16 <= count; i += 16) boxMuller16(data, i, f32(mean), f32(std));
    if (count % 16 !== 0) {
      const tail = count - 16;
      for (let i = 0; i < 16; i++) data[tail + i] = this.uniformFloat32();
      boxMuller16(data, tail, f32(mean), f32(std));
    }
    return data;
  }

  /** ATen `normal_distribution<double>`: float64 Box–Muller that caches its sine sample. */
  private normalScalar(count: number, mean: number, std: number): Float32Array {
    const data = new Float32Array(count);
    for (let i = 0; i < count; i++) {
      let standard: number;
      if (this.nextDoubleNormal !== undefined) {
        standard = this.nextDoubleNormal;
        this.nextDoubleNormal = undefined;
      } else {
        const u1 = this.uniformFloat64();
        const u2 = this.uniformFloat64();
        const radius = Math.sqrt(-2 * Math.log1p(-u2));
        const theta = 2 * Math.PI * u1;
        this.nextDoubleNormal = radius * Math.sin(theta);
        standard = radius * Math.cos(theta);
      }
      data[i] = standard * std + mean;
    }
    return data;
  }
}

/** `at::mt19937(seed)`: the engine keeps only the seed's low 32 bits. */
function engineFor(seed: number): Mt19937 {
  return new Mt19937(Number(BigInt(seed) & 0xffffffffn));
}

function boxMuller16(data: Float32Array, offset: number, mean: number, std: number): void {
  for (let j = 0; j < 8; j++) {
    const u1 = f32(1 - data[offset + j]!);
    const u2 = data[offset + j + 8]!;
    const radius = f32(Math.sqrt(f32(-2 * f32(Math.log(u1)))));
    const theta = f32(2 * Math.PI * u2);
    data[offset + j] = f32(f32(f32(radius * f32(Math.cos(theta))) * std) + mean);
    data[offset + j + 8] = f32(f32(f32(radius * f32(Math.sin(theta))) * std) + mean);
  }
}
