import * as pulumi from "@pulumi/pulumi";

/** The package of every dynamic resource (`pulumi-nodejs:dynamic/...`): the engine runs their providers in one host. */
export const DYNAMIC_PACKAGE = "pulumi-nodejs";

/**
 * The process that runs the program's dynamic providers (the HealthGate and the StageRecord), as an
 * explicit provider resource. Without one, the engine starts that host (a Node.js process loading the
 * Pulumi SDK, ≈ 1 s on two cores) only when the first dynamic resource registers — the stage record,
 * the last resource of the program — so every preview and update waited for it at the end. Registered
 * before the rest of the program is composed, the host starts while the engine is still busy with the
 * other resources (docs/benchmarks.md has the measured difference).
 *
 * Moving an existing stack's dynamic resources from the default provider to this one is no change to
 * them (the engine finds the two providers equal): the first update only adds this resource.
 */
export class DynamicProviderHost extends pulumi.ProviderResource {
    constructor(name: string, opts?: pulumi.ResourceOptions) {
        super(DYNAMIC_PACKAGE, name, {}, opts);
    }
}

/**
 * Resolves on the event loop's next turn: the registration of the resources created so far leaves for
 * the engine before the program's synchronous work (composing every component) holds the loop.
 */
export function nextTurn(): Promise<void> {
    return new Promise((resolve) => setImmediate(resolve));
}
