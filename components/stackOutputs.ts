/**
 * The stack outputs without the keys a stack does not have (no VPC on `local`, no DR outside
 * production, no candidate at `stable` ...): Pulumi would warn "Undefined value (X) will not show as a
 * stack output" for each on every preview and update.
 */
export function definedOutputs<T extends Record<string, unknown>>(outputs: T): Partial<T> {
    return Object.fromEntries(Object.entries(outputs).filter(([, value]) => value !== undefined)) as Partial<T>;
}
