import * as assert from "assert";
import * as crypto from "crypto";
import { ApiError, KubeClient, KubeObject } from "../harness/apiserver";
import { eventually } from "../harness/eventually";
import { Manifest, objectKey } from "./manifests";

/**
 * A Pulumi stack's Kubernetes objects on the test API server, updated the way successive
 * `pulumi up` runs update them: every declared object server-side applied (in dependency order),
 * then objects the new program no longer declares deleted. Collects the API server's refusals and
 * warnings instead of stopping at the first one, so a test lists them all.
 */

/** One object the API server refused (or an update Pulumi could not carry out), with its message. */
export interface Rejection {
    action: "apply" | "delete" | "update";
    object: string;
    type: string;
    message: string;
}

export interface Warning {
    object: string;
    type: string;
    text: string;
}

export interface UpResult {
    applied: string[];
    deleted: string[];
    rejections: Rejection[];
    warnings: Warning[];
}

const CRD = "CustomResourceDefinition";
/** Finalizers kube-controller-manager removes: its garbage collector (dependents of a deleted Job) and storage protection. */
const CONTROLLER_FINALIZERS = ["orphan", "foregroundDeletion", "kubernetes.io/pvc-protection", "kubernetes.io/pv-protection"];
/** Objects that intercept or serve other objects' requests: applied last and deleted first, as they would otherwise act on the rest. */
const INTERCEPTORS = new Set(["ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "APIService"]);

/** Dependency rank: Namespaces, then CRDs, then everything else (custom objects after their CRDs), then interceptors. */
export function applyRank(object: KubeObject, builtin: ReadonlySet<string>): number {
    if (object.kind === "Namespace") return 0;
    if (object.kind === CRD) return 1;
    if (INTERCEPTORS.has(object.kind)) return 4;
    const group = object.apiVersion.includes("/") ? object.apiVersion.split("/")[0] : "";
    return builtin.has(group) ? 2 : 3;
}

/** The API groups the API server serves by itself (core = ""), before any CRD. */
export async function builtinGroups(client: KubeClient): Promise<Set<string>> {
    const groups = await client.request<{ groups: { name: string }[] }>("GET", "/apis");
    return new Set(["", ...groups.body.groups.map((g) => g.name)]);
}

function messageOf(e: unknown): string {
    if (e instanceof ApiError) return `${e.status} ${e.reason}: ${e.apiMessage}`;
    return e instanceof Error ? e.message : String(e);
}

interface Placed {
    manifest: Manifest;
    /** The object as applied, namespace resolved. */
    object: KubeObject;
    key: string;
}

export class DeclaredStack {
    /** What the last update left on the cluster, by URN (Pulumi's identity of a resource). */
    private current = new Map<string, Placed>();
    /** Objects the test added that a controller would create in a real cluster (e.g. "default" ServiceAccounts). */
    private simulated: KubeObject[] = [];

    constructor(
        readonly client: KubeClient,
        private readonly builtin: ReadonlySet<string>,
    ) {}

    /** Keys of the objects currently declared. */
    keys(): string[] {
        return [...this.current.values()].map((p) => p.key);
    }

    /** The objects currently declared, as applied. */
    objects(): KubeObject[] {
        return [...this.current.values()].map((p) => p.object);
    }

    /** Brings the cluster to `manifests`, as `pulumi up` of a program declaring exactly these would. */
    async up(manifests: Manifest[]): Promise<UpResult> {
        const result: UpResult = { applied: [], deleted: [], rejections: [], warnings: [] };
        const crdScopes = customKindScopes(manifests);
        const next = new Map<string, Placed>();
        for (const manifest of manifests) {
            try {
                next.set(manifest.urn, await this.place(manifest, crdScopes));
            } catch (e) {
                result.rejections.push({ action: "apply", object: objectKey(manifest.object), type: manifest.type, message: messageOf(e) });
            }
        }
        this.checkIdentities(next, result);

        // What is on the cluster after this update: Pulumi's state, object by object.
        const after = new Map<string, Placed>();
        const ordered = [...next.values()].sort((a, b) => applyRank(a.object, this.builtin) - applyRank(b.object, this.builtin));
        let crdsSettled = false;
        for (const placed of ordered) {
            if (!crdsSettled && applyRank(placed.object, this.builtin) > 1) {
                await this.awaitCrdsServed(ordered.filter((p) => p.object.kind === CRD).map((p) => p.object));
                crdsSettled = true;
            }
            try {
                const response = await this.client.apply(placed.object, { fieldManager: fieldManagerOf(placed.manifest.urn) });
                result.applied.push(placed.key);
                after.set(placed.manifest.urn, placed);
                for (const text of response.warnings) result.warnings.push({ object: placed.key, type: placed.manifest.type, text });
            } catch (e) {
                result.rejections.push({ action: "apply", object: placed.key, type: placed.manifest.type, message: messageOf(e) });
                // A refused update leaves the previous object in place.
                const previous = this.current.get(placed.manifest.urn);
                if (previous?.key === placed.key) after.set(placed.manifest.urn, previous);
            }
        }

        // Pulumi deletes what the program dropped (or replaced under a new name) at the end of the update.
        // An object another resource now declares is left alone (checkIdentities reported it).
        const declared = new Set([...next.values()].map((p) => p.key));
        const dropped = [...this.current.values()].filter((p) => !declared.has(p.key));
        const kept = await this.deleteAll(dropped, result);
        for (const placed of kept) after.set(placed.manifest.urn, placed);
        this.current = after;
        return result;
    }

    /** Deletes everything the stack declared (as `pulumi destroy`), then what the test simulated. */
    async destroy(): Promise<UpResult> {
        const result: UpResult = { applied: [], deleted: [], rejections: [], warnings: [] };
        const kept = await this.deleteAll([...this.current.values()], result);
        for (const object of this.simulated) await this.remove(object);
        this.simulated = [];
        this.current = new Map(kept.map((p) => [p.manifest.urn, p]));
        return result;
    }

    /**
     * The "default" ServiceAccount the service-account controller creates in every namespace (no
     * controller runs here); the ServiceAccount admission plugin refuses pods whose account is missing.
     */
    async ensureDefaultServiceAccount(namespace: string): Promise<void> {
        const account: KubeObject = { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default", namespace } };
        if (this.simulated.some((o) => objectKey(o) === objectKey(account))) return;
        await this.client.apply(account, { fieldManager: "conformance-serviceaccount-controller" });
        this.simulated.push(account);
    }

    /** Resolves the object's namespace (checking its kind is served) before anything is applied. */
    private async place(manifest: Manifest, crdScopes: Map<string, boolean>): Promise<Placed> {
        const object: KubeObject = { ...manifest.object, metadata: { ...manifest.object.metadata } };
        const group = object.apiVersion.includes("/") ? object.apiVersion.split("/")[0] : "";
        // Kinds of the program's own CRDs are not discoverable before those CRDs exist: their scope is in the CRD.
        const namespaced = this.builtin.has(group)
            ? (await this.client.resourceInfo(object.apiVersion, object.kind)).namespaced
            : crdScopes.get(`${group}/${object.kind}`);
        if (namespaced === undefined) throw new Error(`no CRD of this program defines ${object.kind} in ${object.apiVersion}`);
        if (namespaced && !object.metadata.namespace) object.metadata.namespace = manifest.defaultNamespace;
        if (!namespaced) delete object.metadata.namespace;
        return { manifest, object, key: objectKey(object) };
    }

    /** Two URNs for one object (or one URN moving to another's object) is something a `pulumi up` gets wrong. */
    private checkIdentities(next: Map<string, Placed>, result: UpResult): void {
        const owners = new Map<string, string[]>();
        for (const [urn, placed] of next) owners.set(placed.key, [...(owners.get(placed.key) ?? []), urn]);
        for (const [key, urns] of owners) {
            if (urns.length > 1) {
                result.rejections.push({
                    action: "update",
                    object: key,
                    type: next.get(urns[0])!.manifest.type,
                    message: `declared by ${urns.length} resources: ${urns.join(", ")}`,
                });
            }
        }
        for (const [urn, placed] of this.current) {
            const successor = [...next].find(([u, p]) => p.key === placed.key && u !== urn && !next.has(urn));
            if (successor) {
                result.rejections.push({
                    action: "update",
                    object: placed.key,
                    type: placed.manifest.type,
                    message: `moves from resource ${urn} to ${successor[0]}: pulumi up would apply the new resource, then delete the old one and with it the object`,
                });
            }
        }
    }

    /** Waits until each CRD is Established and its kind is in discovery, which the API server updates only after that. */
    private async awaitCrdsServed(crds: KubeObject[]): Promise<void> {
        for (const declared of crds) {
            const name = declared.metadata.name!;
            await eventually(
                async () => {
                    const crd = await this.client.find("apiextensions.k8s.io/v1", CRD, name);
                    const conditions = (crd?.status as { conditions?: { type: string; status: string }[] })?.conditions ?? [];
                    assert.ok(
                        conditions.some((c) => c.type === "Established" && c.status === "True"),
                        `conditions ${JSON.stringify(conditions)}`,
                    );
                },
                { what: `CRD ${name} to be Established`, timeoutMs: 30_000 },
            );
            const spec = declared.spec as { group: string; names: { kind: string }; versions: { name: string; served: boolean }[] };
            for (const version of spec.versions.filter((v) => v.served)) {
                const path = `/apis/${spec.group}/${version.name}`;
                await eventually(
                    async () => {
                        const list = await this.client.request<{ resources: { kind: string }[] }>("GET", path);
                        assert.ok(
                            list.body.resources.some((r) => r.kind === spec.names.kind),
                            `${path} lists ${list.body.resources.map((r) => r.kind).join(", ") || "nothing"}`,
                        );
                    },
                    { what: `${spec.names.kind} in the discovery of ${spec.group}/${version.name}`, timeoutMs: 30_000 },
                );
            }
        }
        if (crds.length > 0) this.client.forgetDiscovery();
    }

    /** Deletes in reverse dependency order (namespaces and CRDs awaited until gone); returns what could not be deleted. */
    private async deleteAll(objects: Placed[], result: UpResult): Promise<Placed[]> {
        const kept: Placed[] = [];
        const ordered = [...objects].sort((a, b) => applyRank(b.object, this.builtin) - applyRank(a.object, this.builtin));
        for (const placed of ordered) {
            try {
                if (placed.object.kind === "Namespace") await this.deleteSimulated(placed.object.metadata.name!);
                await this.remove(placed.object);
                result.deleted.push(placed.key);
            } catch (e) {
                result.rejections.push({ action: "delete", object: placed.key, type: placed.manifest.type, message: messageOf(e) });
                kept.push(placed);
            }
        }
        return kept;
    }

    private async deleteSimulated(namespace: string): Promise<void> {
        for (const object of this.simulated.filter((o) => o.metadata.namespace === namespace)) await this.remove(object);
        this.simulated = this.simulated.filter((o) => o.metadata.namespace !== namespace);
    }

    private async remove(object: KubeObject): Promise<void> {
        const { apiVersion, kind } = object;
        const { name, namespace } = object.metadata as { name: string; namespace?: string };
        try {
            await this.client.delete(apiVersion, kind, name, namespace);
        } catch (e) {
            if (e instanceof ApiError && e.status === 404) return;
            throw e;
        }
        const left = await this.client.find(apiVersion, kind, name, namespace);
        const finalizers = (left?.metadata.finalizers as string[] | undefined) ?? [];
        if (left && finalizers.some((f) => CONTROLLER_FINALIZERS.includes(f))) {
            // No controller-manager runs here: release what its protection controllers would once nothing uses the object.
            const remaining = finalizers.filter((f) => !CONTROLLER_FINALIZERS.includes(f));
            const path = await this.client.pathOf(apiVersion, kind, name, namespace);
            await this.client.request("PATCH", path, { metadata: { finalizers: remaining } }, "application/merge-patch+json");
            await this.awaitGone(apiVersion, kind, name, namespace, 30_000);
        }
        if (kind === "Namespace") {
            // No namespace controller runs here: empty its finalizers as that controller would once the namespace is empty.
            const ns = await this.client.find("v1", "Namespace", name);
            if (ns)
                await this.client.request("PUT", `/api/v1/namespaces/${encodeURIComponent(name)}/finalize`, {
                    ...ns,
                    spec: { finalizers: [] },
                });
            await this.awaitGone("v1", "Namespace", name, undefined, 30_000);
        }
        if (kind === CRD) {
            // The API server's own CRD finalizer removes the custom objects, then the CRD.
            await this.awaitGone(apiVersion, kind, name, undefined, 60_000);
            this.client.forgetDiscovery();
        }
    }

    private awaitGone(apiVersion: string, kind: string, name: string, namespace: string | undefined, timeoutMs: number): Promise<void> {
        return eventually(
            async () => {
                const left = await this.client.find(apiVersion, kind, name, namespace);
                assert.strictEqual(left, undefined, `still there: ${JSON.stringify(left?.metadata)}`);
            },
            { what: `${kind} ${namespace ? `${namespace}/` : ""}${name} to be deleted`, timeoutMs },
        );
    }
}

/** `group/Kind` → namespaced, for the kinds the program's own CRDs define. */
function customKindScopes(manifests: Manifest[]): Map<string, boolean> {
    const scopes = new Map<string, boolean>();
    for (const m of manifests) {
        if (m.object.kind !== CRD) continue;
        const spec = m.object.spec as { group: string; names: { kind: string }; scope: string };
        scopes.set(`${spec.group}/${spec.names.kind}`, spec.scope === "Namespaced");
    }
    return scopes;
}

/** The provider's field manager is `pulumi-kubernetes-<random suffix>` per resource, kept in state; derived from the URN here. */
export function fieldManagerOf(urn: string): string {
    return `pulumi-kubernetes-${crypto.createHash("sha256").update(urn).digest("hex").slice(0, 8)}`;
}
