import type { RotatableAuthority, RotationPhase } from '../spec';

/** Where an authority's rotation stands: `{generation: 1, phase: finish}` for one never rotated. */
export interface RotationStage {
  generation: number;
  phase: RotationPhase;
}

const phaseOrder: Record<RotationPhase, number> = { trust: 0, issue: 1, finish: 2 };

/** The one stage that may follow `from`: the next phase, or after finish the next generation's trust. */
export function nextRotationStage(from: RotationStage): RotationStage {
  if (from.phase === 'finish') return { generation: from.generation + 1, phase: 'trust' };
  return { generation: from.generation, phase: from.phase === 'trust' ? 'issue' : 'finish' };
}

export function isNextRotationStage(from: RotationStage, to: RotationStage): boolean {
  const next = nextRotationStage(from);
  return to.generation === next.generation && to.phase === next.phase;
}

/**
 * Why going from `from` to `to` is refused (it goes back, or skips a stage) and what to do instead: one message for
 * `kubepki diff` (stages read from two specs) and `kubepki generate` / `pulumi up` (the stage read from the tree).
 */
export function rotationOrderRefusal(authority: RotatableAuthority, from: RotationStage, to: RotationStage): string {
  const field = `spec.pki.rotation.${authority}`;
  const state = (s: RotationStage) => `{generation: ${s.generation}, phase: ${s.phase}}`;
  const backwards =
    to.generation < from.generation ||
    (to.generation === from.generation && phaseOrder[to.phase] < phaseOrder[from.phase]);
  if (backwards) {
    return `${field} goes back from ${state(from)} to ${state(to)}: a rotation never goes back (what the newer authority issued or signed would stop being trusted). Keep ${state(from)}, and go forward from there`;
  }
  return `${field} jumps from ${state(from)} to ${state(to)}, skipping a stage (each stage must be rolled out on every node before the next, or clients and servers stop trusting each other). Set ${state(nextRotationStage(from))} first, generate, roll it out as the diff says, then take the next stage`;
}
