/**
 * Builds policy validation arguments the way the engine does (inputs behind @pulumi/policy's
 * unknown-checking proxy, provider attached) and asserts on what a policy reports, in the manner of
 * pulumi/compliance-policies' unit-test helpers: a compliant fixture passes, the same fixture with
 * one property changed reports the expected message.
 */
import * as assert from "node:assert/strict";
import { Policies, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { unknownValue } from "@pulumi/pulumi/runtime/rpc";
import {
    AnalyzedResource,
    Outcome,
    resourceValidationArgs,
    runResourcePolicy,
    runStackPolicy,
    stackValidationArgs,
} from "../../policies/analyzer";

/** The sentinel the engine sends for a value unknown during preview (what @pulumi/policy's proxy detects). */
export const UNKNOWN = unknownValue;

const STACK = "urn:pulumi:test::claude-enhancer";

export function urnOf(type: string, name: string): string {
    return `${STACK}::${type}::${name}`;
}

/** `subject` as stack `stack` registers it (its URN names the stack), so that stack's waivers apply to it. */
export function asRegisteredBy(stack: string, subject: AnalyzedResource): AnalyzedResource {
    return { ...subject, urn: `urn:pulumi:${stack}::claude-enhancer::${subject.type}::${subject.name}` };
}

/** A resource whose outputs equal its inputs plus `extraOutputs` (ids, ARNs, computed values). */
export function resource(
    type: string,
    name: string,
    inputs: Record<string, any>,
    options: { outputs?: Record<string, any>; provider?: AnalyzedResource; dependsOn?: AnalyzedResource[]; parent?: string } = {},
): AnalyzedResource {
    const urn = urnOf(type, name);
    return {
        urn,
        type,
        name,
        inputs,
        outputs: { ...inputs, id: `${name}-id`, ...options.outputs },
        provider: options.provider ? `${options.provider.urn}::${options.provider.name}-id` : undefined,
        dependencies: options.dependsOn?.map((d) => d.urn),
        parent: options.parent,
    };
}

/** Runs a resource policy on one resource, with its provider when it has one. */
export function checkResource(
    policy: ResourceValidationPolicy,
    subject: AnalyzedResource,
    options: { config?: Record<string, unknown>; provider?: AnalyzedResource } = {},
): Promise<Outcome> {
    return runResourcePolicy(policy, resourceValidationArgs(subject, options));
}

/** Runs a stack policy on a set of resources (their outputs), linked as the engine links them. */
export function checkStack(
    policy: StackValidationPolicy,
    resources: AnalyzedResource[],
    config?: Record<string, unknown>,
): Promise<Outcome> {
    return runStackPolicy(policy, stackValidationArgs(resources, { config }));
}

export function assertCompliant(outcome: Outcome): void {
    assert.deepEqual(outcome.violations, [], `expected no violation, got: ${outcome.violations.map((v) => v.message).join(" | ")}`);
    assert.equal(outcome.unknown, undefined, "a policy read an unknown value without handling it");
}

export function assertViolation(outcome: Outcome, message: string, urn?: string): void {
    const found = outcome.violations.find((v) => v.message.includes(message) && (urn === undefined || v.urn === urn));
    assert.ok(
        found,
        `expected a violation containing ${JSON.stringify(message)}${urn ? ` for ${urn}` : ""}; got: ${JSON.stringify(outcome.violations)}${outcome.notApplicable ? ` (not applicable: ${outcome.notApplicable})` : ""}`,
    );
}

/** A deep copy with the value at `path` replaced. */
export function withValue<T>(value: T, path: (string | number)[], replacement: unknown): T {
    const copy = structuredClone(value) as any;
    let node = copy;
    for (const key of path.slice(0, -1)) node = node[key];
    node[path[path.length - 1]] = replacement;
    return copy;
}

/** Every path into a JSON value (objects, arrays and leaves), for replacing each in turn. */
export function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
    if (typeof value !== "object" || value === null) return [];
    const entries: [string | number, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
    return entries.flatMap(([k, v]) => [[...prefix, k], ...pathsOf(v, [...prefix, k])]);
}

export interface ResourceCase {
    title: string;
    resource: () => AnalyzedResource;
    provider?: () => AnalyzedResource;
    config?: Record<string, unknown>;
    /** Expected text of the violation; absent for a compliant case. */
    violation?: string;
    /** Expected text of the reason a compliant case is not applicable (an exemption). */
    notApplicable?: string;
}

export interface StackCase {
    title: string;
    resources: () => AnalyzedResource[];
    config?: Record<string, unknown>;
    violation?: string;
    /** The resource the violation must name, by logical name. */
    violator?: string;
    /** Expected text of the reason a compliant case is not applicable. */
    notApplicable?: string;
}

export type PolicyCases = Record<string, (ResourceCase | StackCase)[]>;

function isStackCase(c: ResourceCase | StackCase): c is StackCase {
    return "resources" in c;
}

function isStackPolicy(p: Policies[number]): p is StackValidationPolicy {
    return "validateStack" in p;
}

/**
 * One describe per policy: its metadata, each case (compliant ones report nothing, violating ones
 * the expected message), and the preview property: every compliant case with any single input (or
 * output) replaced by an unknown value still reports no violation and does not throw.
 */
export function describePolicies(domain: string, policies: Policies, cases: PolicyCases): void {
    describe(domain, () => {
        it("has compliant and violating cases for every policy of the module", () => {
            for (const policy of policies) {
                const own = cases[policy.name] ?? [];
                assert.ok(
                    own.some((c) => !c.violation),
                    `${policy.name} has no compliant case`,
                );
                assert.ok(
                    own.some((c) => c.violation),
                    `${policy.name} has no violating case`,
                );
            }
            assert.deepEqual(
                Object.keys(cases).filter((name) => !policies.some((p) => p.name === name)),
                [],
                "cases for policies the module does not define",
            );
        });

        for (const policy of policies) {
            describe(policy.name, () => {
                it("has a description sentence, a severity and a default enforcement level", () => {
                    assert.match(policy.description, /^[A-Z].*\.$/);
                    assert.ok(policy.severity, "severity");
                    assert.ok(["advisory", "mandatory"].includes(policy.enforcementLevel ?? ""), "enforcementLevel");
                });
                for (const c of cases[policy.name] ?? []) {
                    it(`${c.violation ? "violating" : "compliant"}: ${c.title}`, async () => {
                        const outcome = await run(policy, c);
                        if (c.violation) {
                            const violator =
                                isStackCase(c) && c.violator ? c.resources().find((r) => r.name === c.violator)?.urn : undefined;
                            assertViolation(outcome, c.violation, violator);
                        } else {
                            assertCompliant(outcome);
                            if (c.notApplicable) assert.match(outcome.notApplicable ?? "", new RegExp(c.notApplicable));
                            else
                                assert.equal(
                                    outcome.notApplicable,
                                    undefined,
                                    `compliant case was not applicable: ${outcome.notApplicable}`,
                                );
                        }
                    });
                }
                const compliant = (cases[policy.name] ?? []).filter((c) => !c.violation);
                it("reports nothing and does not throw when any single value of a compliant case is unknown (preview)", async () => {
                    for (const c of compliant) {
                        for (const variant of unknownVariants(c)) {
                            const outcome = await run(policy, variant.case);
                            assert.deepEqual(
                                outcome.violations,
                                [],
                                `${c.title} with ${variant.path} unknown: ${outcome.violations.map((v) => v.message).join(" | ")}`,
                            );
                            assert.equal(outcome.unknown, undefined, `${c.title} with ${variant.path} unknown read it unguarded`);
                        }
                    }
                });
            });
        }
    });
}

function run(policy: Policies[number], c: ResourceCase | StackCase): Promise<Outcome> {
    if (isStackCase(c)) {
        assert.ok(isStackPolicy(policy), `${policy.name} is a resource policy but the case is a stack case`);
        return checkStack(policy, c.resources(), c.config);
    }
    assert.ok(!isStackPolicy(policy), `${policy.name} is a stack policy but the case is a resource case`);
    return checkResource(policy as ResourceValidationPolicy, c.resource(), { config: c.config, provider: c.provider?.() });
}

function* unknownVariants(c: ResourceCase | StackCase): Generator<{ path: string; case: ResourceCase | StackCase }> {
    if (isStackCase(c)) {
        const resources = c.resources();
        for (let i = 0; i < resources.length; i++) {
            for (const path of pathsOf(resources[i].outputs)) {
                const changed = resources.map((r, j) => (j === i ? { ...r, outputs: withValue(r.outputs, path, UNKNOWN) } : r));
                yield { path: `${resources[i].name}.${path.join(".")}`, case: { ...c, resources: () => changed } };
            }
        }
        return;
    }
    const subject = c.resource();
    for (const path of pathsOf(subject.inputs)) {
        yield { path: path.join("."), case: { ...c, resource: () => ({ ...subject, inputs: withValue(subject.inputs, path, UNKNOWN) }) } };
    }
}

/** `subject` with the value at `path` replaced (or removed, for undefined) in its inputs and its outputs. */
export function changed(subject: AnalyzedResource, path: (string | number)[], value: unknown): AnalyzedResource {
    const apply = (props: Record<string, any>) => {
        const copy = withValue(props, path, value);
        if (value === undefined) {
            let node: any = copy;
            for (const key of path.slice(0, -1)) node = node[key];
            delete node[path[path.length - 1]];
        }
        return copy;
    };
    return { ...subject, inputs: apply(subject.inputs), outputs: apply(subject.outputs) };
}

/** The stack `resources` with the one named `name` changed by `change`. */
export function changedIn(
    resources: AnalyzedResource[],
    name: string,
    change: (r: AnalyzedResource) => AnalyzedResource,
): AnalyzedResource[] {
    assert.ok(
        resources.some((r) => r.name === name),
        `no resource named ${name}`,
    );
    return resources.map((r) => (r.name === name ? change(r) : r));
}
