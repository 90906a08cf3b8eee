/**
 * Helpers shared by the pack's rule modules: configuration with schema defaults, preview-time unknown
 * values, and reading resources of a stack by type.
 */
import {
    PolicyResource,
    ReportViolation,
    ResourceValidation,
    ResourceValidationArgs,
    StackValidationArgs,
    TypedResourceValidation,
    UnknownValueError,
    validateResourceOfType,
} from "@pulumi/policy";
import { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { Resource, Unwrap } from "@pulumi/pulumi";

export type ConfigProperties = Record<string, PolicyConfigJSONSchema>;

/**
 * The policy's configuration: the CLI fills schema defaults in before it configures the pack, but a
 * policy run outside the CLI (tests, the offline audit) gets only what was given, so the defaults
 * are applied here too, from the same schema.
 */
export function configOf<T>(args: ResourceValidationArgs | StackValidationArgs, properties: ConfigProperties): T {
    const config: Record<string, unknown> = {};
    for (const [key, schema] of Object.entries(properties)) {
        if (schema.default !== undefined) config[key] = schema.default;
    }
    return { ...config, ...args.getConfig<Record<string, unknown>>() } as T;
}

/** A JSON-schema list of strings with a default, for configSchema properties. */
export function stringList(description: string, defaults: string[]): PolicyConfigJSONSchema {
    return { type: "array", items: { type: "string" }, default: defaults, description };
}

/** A JSON-schema integer with bounds and a default, for configSchema properties. */
export function integer(description: string, defaults: number, minimum = 0): PolicyConfigJSONSchema {
    return { type: "integer", minimum, default: defaults, description };
}

/**
 * During `pulumi preview` inputs computed from other resources are unknown, and @pulumi/policy's
 * property proxy throws UnknownValueError when a rule reads one. Left alone, the pack reports an
 * advisory "can't run policy during preview" for it; a rule cannot judge a value nobody knows yet,
 * so the resource is marked not applicable instead: `pulumi up` analyzes the same resource again
 * with every input resolved, and the rule decides then.
 */
export function whenKnown<P>(
    validate: (props: P, args: ResourceValidationArgs, report: ReportViolation) => void,
): (props: P, args: ResourceValidationArgs, report: ReportViolation) => void {
    return (props, args, report) => {
        try {
            validate(props, args, report);
        } catch (e) {
            if (e instanceof UnknownValueError) {
                args.notApplicable(`${(e as Error).message}; checked again when the value is known`);
            }
            throw e;
        }
    };
}

/** Marks a value read from a resource that is unknown during preview. */
export const UNKNOWN: unique symbol = Symbol("unknown during preview");
export type Unknown = typeof UNKNOWN;

/** Reads a value that may be unknown during preview, without throwing: stack rules skip what they cannot judge. */
export function peek<T>(read: () => T): T | Unknown {
    try {
        return read();
    } catch (e) {
        if (e instanceof UnknownValueError) return UNKNOWN;
        throw e;
    }
}

/** True when a property is set: present with a value, or unknown during preview (a computed value will be set). */
export function isSet(obj: object, key: string): boolean {
    const value = peek(() => (obj as Record<string, unknown>)[key]);
    return value === UNKNOWN || (value !== undefined && value !== null && value !== "" && !(Array.isArray(value) && value.length === 0));
}

/** The resources of a stack with one of the given type tokens. */
export function ofType(args: StackValidationArgs, ...types: string[]): PolicyResource[] {
    return args.resources.filter((r) => types.includes(r.type));
}

/** True when the stack manages AWS resources (anything but providers from the aws package). */
export function hasAwsResources(args: StackValidationArgs): boolean {
    return args.resources.some((r) => r.type.startsWith("aws:"));
}

/** A resource's identifiers other resources reference it by (id and name outputs); UNKNOWN when any is unknown. */
export function identifiersOf(resource: PolicyResource, keys: string[]): Set<string> | Unknown {
    const ids = new Set<string>();
    for (const key of keys) {
        const value = peek(() => resource.props[key]);
        if (value === UNKNOWN) return UNKNOWN;
        if (typeof value === "string" && value !== "") ids.add(value);
    }
    return ids;
}

/** `"name" (type)` for messages about a resource found in a stack. */
export function describe(resource: PolicyResource): string {
    return `${resource.type.split(":").pop()} "${resource.name}"`;
}

/** Comma-separated list for messages. */
export function list(values: readonly unknown[]): string {
    return values.map((v) => String(v)).join(", ");
}

/**
 * A validation of one type token that has no SDK class (providers, dynamic resources, custom
 * resources). validateResourceOfType marks its validation with the class's type token, and the pack
 * server then skips every other resource before deserializing its properties; this marks ours the
 * same way (on a large stack that is most of the pack's cost).
 */
export function validateResourceOfTypeToken(type: string, validate: ResourceValidation): ResourceValidation {
    const validation: ResourceValidation = (args, report) => (args.type === type ? validate(args, report) : undefined);
    return Object.assign(validation, { __pulumiType: type });
}

/** A validation limited to some resources, for policies that check several types. */
export interface TypedValidation {
    label: string;
    applies: (args: ResourceValidationArgs) => boolean;
    validate: ResourceValidation;
}

/** validateResourceOfType for one of several types a policy checks. */
export function typed<TResource extends Resource, TArgs>(
    resourceClass: { new (name: string, args: TArgs, ...rest: any[]): TResource },
    validate: TypedResourceValidation<Unwrap<NonNullable<TArgs>>>,
): TypedValidation {
    return {
        label: resourceClass.name,
        applies: (args) => args.isType(resourceClass),
        validate: validateResourceOfType(resourceClass, validate),
    };
}

/**
 * One validation over several resource types: runs the one matching the resource and says nothing
 * about other resources. (An array of validateResourceOfType would call notApplicable, i.e. throw,
 * once per other type for every resource: on a 10 000-resource preview that alone costs seconds.)
 */
export function perType(...validations: TypedValidation[]): ResourceValidation {
    return (args, report) => validations.find((v) => v.applies(args))?.validate(args, report);
}
