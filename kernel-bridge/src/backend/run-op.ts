/**
 * One op on host tensors, start to finish: upload, run, download, free. What `abw exec` and
 * notebooks use for single calls; the matrix uses prepared calls instead.
 */
import type { Params } from '../ops/types';
import type { HostTensor } from '../tensor';
import type { ComputeBackend, ComputeDType, DeviceTensor } from './types';

export async function runOp(
  backend: ComputeBackend,
  op: string,
  inputs: readonly (HostTensor | null)[],
  params: Params,
  dtype: ComputeDType,
): Promise<HostTensor[]> {
  const uploaded: (DeviceTensor | null)[] = [];
  let outputs: DeviceTensor[] = [];
  try {
    for (const t of inputs) uploaded.push(t ? backend.upload(t) : null);
    outputs = await backend.run(op, uploaded, params, dtype);
    return await Promise.all(outputs.map((t) => backend.download(t)));
  } finally {
    for (const t of [...uploaded, ...outputs]) if (t) backend.free(t);
  }
}
