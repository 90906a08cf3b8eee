/**
 * Property values as the engine sends them to the test-engine stand-ins (the random and command
 * plugins no registry here serves): the provider framework hands over the gRPC Struct as plain
 * JavaScript, so a secret arrives wrapped in Pulumi's signature object and a value not known during a
 * preview as Pulumi's unknown sentinel string.
 */
import { specialSecretSig, specialSigKey, unknownValue } from "@pulumi/pulumi/runtime/rpc";

/** A property bag as it crosses the wire: plain JSON with Pulumi's secret wrappers and unknown sentinels. */
export type PropertyMap = Record<string, unknown>;

export function isUnknown(value: unknown): boolean {
    return value === unknownValue;
}

/** Whether the value, or anything inside it, is not known yet (a preview). */
export function containsUnknown(value: unknown): boolean {
    if (isUnknown(value)) return true;
    if (Array.isArray(value)) return value.some(containsUnknown);
    if (isObject(value)) return Object.values(value).some(containsUnknown);
    return false;
}

export function secret(value: unknown): PropertyMap {
    return { [specialSigKey]: specialSecretSig, value };
}

/**
 * The value with every secret wrapper removed. Any other signature (asset, archive, resource
 * reference, output value) is nothing these resources take, so it fails loudly rather than being
 * read as a map.
 */
export function reveal(value: unknown, path: string): unknown {
    if (Array.isArray(value)) return value.map((element, i) => reveal(element, `${path}[${i}]`));
    if (!isObject(value)) return value;
    if (specialSigKey in value) {
        if (value[specialSigKey] === specialSecretSig) return reveal(value.value, path);
        throw new Error(`${path}: unsupported value with signature ${String(value[specialSigKey])}`);
    }
    return Object.fromEntries(Object.entries(value).map(([key, element]) => [key, reveal(element, `${path}.${key}`)]));
}

/** Every property of the bag, revealed. */
export function revealAll(properties: PropertyMap): PropertyMap {
    return Object.fromEntries(Object.entries(properties).map(([key, value]) => [key, reveal(value, key)]));
}

/**
 * Whether a revealed new value is the old one: a value not known yet may differ, so it never is, and
 * a secret and its plain value are the same value.
 */
export function sameValue(previous: unknown, next: unknown): boolean {
    if (containsUnknown(next)) return false;
    return deepEqual(previous, next);
}

function deepEqual(a: unknown, b: unknown): boolean {
    if (a === b) return true;
    if (Array.isArray(a) || Array.isArray(b)) {
        return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((element, i) => deepEqual(element, b[i]));
    }
    if (!isObject(a) || !isObject(b)) return false;
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => key in b && deepEqual(a[key], b[key]));
}

export function isObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}
