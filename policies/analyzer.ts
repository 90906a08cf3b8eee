/**
 * Runs the pack's policies outside the Pulumi engine, with the semantics of @pulumi/policy's analyzer
 * server (policy config reconciled like the CLI does it, enforcement levels, `notApplicable`, the
 * unknown-value proxy, violation messages as `description\nmessage`). The offline audit, the
 * benchmark and the tests use it; `pulumi preview --policy-pack policies` serves the same policy
 * objects through @pulumi/policy itself.
 */
import Ajv from "ajv";
import {
    EnforcementLevel,
    Policies,
    PolicyResource,
    PolicyResourceOptions,
    ReportViolation,
    ResourceValidation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
    UnknownValueError,
    unknownCheckingProxy,
} from "@pulumi/policy";

/** One resource of a stack as the engine shows it to a policy pack. */
export interface AnalyzedResource {
    urn: string;
    type: string;
    name: string;
    /** What `Analyze` (resource policies) sees: the resource's inputs. */
    inputs: Record<string, any>;
    /** What `AnalyzeStack` (stack policies) sees: the resource's outputs. */
    outputs: Record<string, any>;
    parent?: string;
    /** Provider reference `<provider urn>::<provider id>`. */
    provider?: string;
    protect?: boolean;
    dependencies?: string[];
    propertyDependencies?: Record<string, string[]>;
}

export type ReportedLevel = "advisory" | "mandatory";

/** A violation in CrossGuard's shape. */
export interface Diagnostic {
    policyName: string;
    policyPackName: string;
    policyPackVersion: string;
    enforcementLevel: ReportedLevel;
    severity?: Severity;
    /** The resource in violation; absent when a stack policy reports the stack as a whole. */
    urn?: string;
    /** `description\nmessage`, exactly as @pulumi/policy reports it. */
    message: string;
}

export interface PolicyPackDefinition {
    name: string;
    version: string;
    policies: Policies;
    enforcementLevel: EnforcementLevel;
}

export interface PolicySettings {
    enforcementLevel: EnforcementLevel;
    properties: Record<string, unknown>;
}

const ENFORCEMENT_LEVELS: readonly string[] = ["advisory", "mandatory", "remediate", "disabled"];

export class PolicyConfigError extends Error {
    constructor(readonly problems: string[]) {
        super(`policy pack configuration is invalid:\n  ${problems.join("\n  ")}`);
    }
}

/**
 * The configuration each policy runs with, reconciled the way the CLI does for
 * `--policy-pack-config`: schema defaults, then `all`, then per-policy entries (an enforcement level
 * string, or an object with `enforcementLevel` and properties), validated against each policy's
 * configSchema. A name that is no policy of the pack is an error (the CLI ignores it; a typo should
 * not silently relax an audit).
 */
export function reconcileConfig(pack: PolicyPackDefinition, given: unknown = {}): Map<string, PolicySettings> {
    const problems: string[] = [];
    const settings = new Map<string, PolicySettings>();
    for (const policy of pack.policies) {
        const properties: Record<string, unknown> = {};
        for (const [key, schema] of Object.entries(policy.configSchema?.properties ?? {})) {
            if (schema.default !== undefined) properties[key] = schema.default;
        }
        settings.set(policy.name, { enforcementLevel: policy.enforcementLevel ?? pack.enforcementLevel, properties });
    }
    if (typeof given !== "object" || given === null || Array.isArray(given)) {
        throw new PolicyConfigError(["the configuration must be a JSON object keyed by policy name"]);
    }
    const entries = Object.entries(given as Record<string, unknown>);
    const levelOf = (key: string, value: unknown): EnforcementLevel | undefined => {
        if (value === undefined) return undefined;
        if (typeof value === "string" && ENFORCEMENT_LEVELS.includes(value)) return value as EnforcementLevel;
        problems.push(`${key}: enforcement level ${JSON.stringify(value)} is not one of ${ENFORCEMENT_LEVELS.join(", ")}`);
        return undefined;
    };
    const all = entries.find(([key]) => key === "all");
    if (all) {
        const level = levelOf(
            "all",
            typeof all[1] === "object" && all[1] !== null ? (all[1] as Record<string, unknown>).enforcementLevel : all[1],
        );
        if (level) for (const s of settings.values()) s.enforcementLevel = level;
    }
    for (const [key, value] of entries) {
        if (key === "all") continue;
        const current = settings.get(key);
        if (!current) {
            problems.push(`${key}: no policy of pack ${pack.name} has this name`);
            continue;
        }
        if (typeof value === "string") {
            current.enforcementLevel = levelOf(key, value) ?? current.enforcementLevel;
        } else if (typeof value === "object" && value !== null && !Array.isArray(value)) {
            const { enforcementLevel, ...properties } = value as Record<string, unknown>;
            current.enforcementLevel = levelOf(key, enforcementLevel) ?? current.enforcementLevel;
            Object.assign(current.properties, properties);
        } else {
            problems.push(`${key}: ${JSON.stringify(value)} is not an enforcement level or an object`);
        }
    }
    const ajv = new Ajv({ allErrors: true, strict: false });
    for (const policy of pack.policies) {
        if (!policy.configSchema) continue;
        const validate = ajv.compile({
            type: "object",
            properties: policy.configSchema.properties,
            required: policy.configSchema.required ?? [],
        });
        if (!validate(settings.get(policy.name)!.properties)) {
            for (const error of validate.errors ?? []) problems.push(`${policy.name}: ${error.instancePath || "(root)"} ${error.message}`);
        }
    }
    if (problems.length > 0) throw new PolicyConfigError(problems);
    return settings;
}

/** Thrown by notApplicable; not an Error, so throwing it captures no stack trace (cheap on large stacks). */
class NotApplicableError {
    constructor(readonly reason?: string) {}
}

function throwNotApplicable(reason?: string): never {
    throw new NotApplicableError(reason);
}

const NO_OPTIONS: PolicyResourceOptions = {
    protect: false,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
};

function optionsOf(resource: AnalyzedResource): PolicyResourceOptions {
    return { ...NO_OPTIONS, protect: resource.protect ?? false, ...(resource.parent ? { parent: resource.parent } : {}) };
}

function isTypeOf(type: string, resourceClass: unknown): boolean {
    const pulumiType = (resourceClass as { __pulumiType?: unknown }).__pulumiType;
    if (typeof pulumiType === "string" && pulumiType !== "") return pulumiType === type;
    const isInstance = (resourceClass as { isInstance?: (o: unknown) => boolean }).isInstance;
    return typeof isInstance === "function" && isInstance({ __pulumiType: type }) === true;
}

/** The URN part of a provider reference `<urn>::<id>` (URNs contain `::` themselves). */
export function providerUrn(reference: string): string {
    return reference.slice(0, reference.lastIndexOf("::"));
}

export interface ArgsOptions {
    config?: Record<string, unknown>;
    /** The resource's provider, as the engine passes it along with the resource. */
    provider?: AnalyzedResource;
    stackTags?: ReadonlyMap<string, string>;
}

/** The arguments a resource policy gets for `resource`, its inputs behind the unknown-checking proxy. */
export function resourceValidationArgs(resource: AnalyzedResource, options: ArgsOptions = {}): ResourceValidationArgs {
    const props = unknownCheckingProxy(resource.inputs) as Record<string, any>;
    const args: ResourceValidationArgs = {
        type: resource.type,
        props,
        urn: resource.urn,
        name: resource.name,
        opts: optionsOf(resource),
        stackTags: options.stackTags ?? new Map(),
        isType: (cls) => isTypeOf(resource.type, cls),
        asType: ((cls: unknown) => (isTypeOf(resource.type, cls) ? props : undefined)) as ResourceValidationArgs["asType"],
        getConfig: <T extends object>() => (options.config ?? {}) as T,
        notApplicable: throwNotApplicable,
    };
    if (options.provider) {
        const p = options.provider;
        args.provider = { type: p.type, urn: p.urn, name: p.name, props: unknownCheckingProxy(p.inputs) as Record<string, any> };
    }
    return args;
}

/** The arguments a stack policy gets: every resource's outputs, parents, dependencies and providers linked. */
export function stackValidationArgs(resources: AnalyzedResource[], options: Omit<ArgsOptions, "provider"> = {}): StackValidationArgs {
    const byUrn = new Map<string, PolicyResource>();
    const inputsByUrn = new Map(resources.map((r) => [r.urn, r]));
    const policyResources = resources.map((r) => {
        const props = unknownCheckingProxy(r.outputs) as Record<string, any>;
        const resource: PolicyResource = {
            type: r.type,
            props,
            urn: r.urn,
            name: r.name,
            opts: optionsOf(r),
            dependencies: [],
            propertyDependencies: {},
            isType: (cls) => isTypeOf(r.type, cls),
            asType: ((cls: unknown) => (isTypeOf(r.type, cls) ? props : undefined)) as PolicyResource["asType"],
        };
        const provider = r.provider ? inputsByUrn.get(providerUrn(r.provider)) : undefined;
        if (provider) {
            resource.provider = {
                type: provider.type,
                urn: provider.urn,
                name: provider.name,
                props: unknownCheckingProxy(provider.inputs) as Record<string, any>,
            };
        }
        byUrn.set(r.urn, resource);
        return resource;
    });
    resources.forEach((r, i) => {
        const resource = policyResources[i];
        if (r.parent) resource.parent = byUrn.get(r.parent);
        resource.dependencies = (r.dependencies ?? []).map((d) => byUrn.get(d)).filter((d): d is PolicyResource => !!d);
        for (const [key, urns] of Object.entries(r.propertyDependencies ?? {})) {
            resource.propertyDependencies[key] = urns.map((d) => byUrn.get(d)).filter((d): d is PolicyResource => !!d);
        }
    });
    return {
        resources: policyResources,
        stackTags: options.stackTags ?? new Map(),
        getConfig: <T extends object>() => (options.config ?? {}) as T,
        notApplicable: throwNotApplicable,
    };
}

/** What one policy said about one resource (or the stack). */
export interface Outcome {
    violations: { message: string; urn?: string }[];
    /** Set when the policy declared itself not applicable, with its reason. */
    notApplicable?: string;
    /** Set when a value the policy read was unknown and the policy did not handle it. */
    unknown?: string;
}

function outcomeOf(e: unknown, outcome: Outcome): Outcome {
    if (e instanceof NotApplicableError) return { ...outcome, notApplicable: e.reason ?? "Policy does not apply" };
    if (e instanceof UnknownValueError) return { ...outcome, unknown: (e as Error).message };
    throw e;
}

function validationsOf(policy: ResourceValidationPolicy): ResourceValidation[] {
    if (!policy.validateResource) return [];
    return Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
}

/** The resource type a policy's single typed validation is limited to (validateResourceOfType records it). */
function typeFilterOf(policy: ResourceValidationPolicy): string | undefined {
    if (Array.isArray(policy.validateResource) || !policy.validateResource) return undefined;
    const pulumiType = (policy.validateResource as { __pulumiType?: unknown }).__pulumiType;
    return typeof pulumiType === "string" && pulumiType !== "" ? pulumiType : undefined;
}

/** Runs one resource policy on prepared arguments. */
export async function runResourcePolicy(policy: ResourceValidationPolicy, args: ResourceValidationArgs): Promise<Outcome> {
    let outcome: Outcome = { violations: [] };
    const report: ReportViolation = (message, urn) => outcome.violations.push({ message, urn });
    for (const validation of validationsOf(policy)) {
        try {
            const pending = validation(args, report);
            if (pending) await pending;
        } catch (e) {
            outcome = outcomeOf(e, outcome);
        }
    }
    return outcome;
}

/** Runs one stack policy on prepared arguments. */
export async function runStackPolicy(policy: StackValidationPolicy, args: StackValidationArgs): Promise<Outcome> {
    const outcome: Outcome = { violations: [] };
    const report: ReportViolation = (message, urn) => outcome.violations.push({ message, urn });
    try {
        const pending = policy.validateStack(args, report);
        if (pending) await pending;
    } catch (e) {
        return outcomeOf(e, outcome);
    }
    return outcome;
}

function isResourcePolicy(p: Policies[number]): p is ResourceValidationPolicy {
    return "validateResource" in p && p.validateResource !== undefined;
}

function isStackPolicy(p: Policies[number]): p is StackValidationPolicy {
    return "validateStack" in p && typeof p.validateStack === "function";
}

export interface AnalysisReport {
    diagnostics: Diagnostic[];
    /** How many (policy, resource) validations ran, for throughput figures. */
    validations: number;
}

/**
 * Analyzes a stack like `pulumi preview`/`up` with the pack does: every resource policy on every
 * resource's inputs (Analyze), then every stack policy on all outputs (AnalyzeStack).
 */
export async function analyzeStack(
    pack: PolicyPackDefinition,
    resources: AnalyzedResource[],
    config: Map<string, PolicySettings>,
): Promise<AnalysisReport> {
    const diagnostics: Diagnostic[] = [];
    let validations = 0;
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const active = pack.policies
        .map((policy) => ({ policy, settings: config.get(policy.name)! }))
        .filter(({ settings }) => settings.enforcementLevel !== "disabled")
        .map(({ policy, settings }) => ({
            policy,
            settings,
            level: (settings.enforcementLevel === "advisory" ? "advisory" : "mandatory") as ReportedLevel,
            typeFilter: isResourcePolicy(policy) ? typeFilterOf(policy) : undefined,
        }));
    const push = (policy: Policies[number], level: ReportedLevel, message: string, urn?: string) =>
        diagnostics.push({
            policyName: policy.name,
            policyPackName: pack.name,
            policyPackVersion: pack.version,
            enforcementLevel: level,
            severity: policy.severity,
            urn,
            message,
        });
    // A resource policy's violation always concerns the analyzed resource; a stack policy's names one or none.
    const record = (policy: Policies[number], level: ReportedLevel, outcome: Outcome, resourceUrn?: string) => {
        for (const v of outcome.violations) push(policy, level, `${policy.description}\n${v.message}`, resourceUrn ?? v.urn);
        if (outcome.unknown) {
            push(
                policy,
                "advisory",
                `can't run policy '${policy.name}' from policy pack '${pack.name}@v${pack.version}' during preview: ${outcome.unknown}`,
                resourceUrn,
            );
        }
    };

    for (const resource of resources) {
        const provider = resource.provider ? byUrn.get(providerUrn(resource.provider)) : undefined;
        let base: ResourceValidationArgs | undefined;
        for (const { policy, settings, level, typeFilter } of active) {
            if (!isResourcePolicy(policy) || (typeFilter && typeFilter !== resource.type)) continue;
            validations++;
            base ??= resourceValidationArgs(resource, { provider });
            const args = { ...base, getConfig: <T extends object>() => settings.properties as T };
            record(policy, level, await runResourcePolicy(policy, args), resource.urn);
        }
    }
    const stackBase = stackValidationArgs(resources);
    for (const { policy, settings, level } of active) {
        if (!isStackPolicy(policy)) continue;
        validations++;
        const args = { ...stackBase, getConfig: <T extends object>() => settings.properties as T };
        record(policy, level, await runStackPolicy(policy, args));
    }
    return { diagnostics, validations };
}
