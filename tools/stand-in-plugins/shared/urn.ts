/**
 * The parts of a resource URN the test-engine stand-ins for the random and command plugins need (no
 * registry here serves the upstream plugins): the provider framework hands them the URN, not the type
 * or the name. A URN is `urn:pulumi:<stack>::<project>::<parent types$type>::<name>`, and the name
 * may itself contain `::`.
 */

export function resourceTypeOf(urn: string): string {
    const qualifiedType = urn.split("::")[2] ?? "";
    return qualifiedType.split("$").pop() ?? "";
}

export function resourceNameOf(urn: string): string {
    return urn.split("::").slice(3).join("::");
}
