/** End-to-end pipelines, each written once against ComputeBackend (docs/pipelines.md). */
export { PIPELINES, pipelineNames, getPipeline } from './registry';
import { bitnet } from './bitnet';
import { encodec } from './encodec';
import { fftconv } from './fftconv';
export { effectiveStreams } from './fftconv';
import { mdx23c } from './mdx23c';
export { PipelineExec, type ExecTally } from './exec';
export { callSignature, formatProfile, summarizeProfile, type OpProfile, type OpProfileEntry, type OpSignatureEntry } from './op-profile';
export { runPipeline, pipelineSupport, type PipelineRun, type RunPipelineOptions } from './run';
export { measurePipeline, pipelineAsCall, type PipelineMeasurement } from './rtf';
export { audioInput, syntheticAudio, readWav, parseWav, encodeWav16, audioSeconds, type Audio } from './audio';
export { planChunks, chunkWindow, cutChunk, overlapAdd, type ChunkPlan } from './chunking';
export { parseSafetensors, loadSafetensors, serializeSafetensors } from './safetensors';
export { seededWeights, checkWeights, DeviceWeights, type WeightDecl, type WeightSet, type WeightInit } from './weights';
export type { PipelineSpec, PipelineInput, PipelineOutput, PreparedPipeline, IntegerTap, RunOptions } from './types';
export { mdx23c, bitnet, encodec, fftconv };
