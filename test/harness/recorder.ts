import * as crypto from "crypto";
import { MockCallArgs, MockResourceArgs, MockResourceResult, Mocks } from "@pulumi/pulumi/runtime";
import { invokeOutputs, mockArn, resourceOutputs } from "./mockOutputs";

/** The parts of the engine's RegisterResourceRequest the recorder reads. */
export interface RegisterRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getProtect(): boolean | undefined;
    getDependenciesList(): string[];
    getAdditionalsecretoutputsList(): string[];
    getIgnorechangesList(): string[];
}

/** One resource as the program registered it: inputs as given, options as the engine saw them. */
export interface RecordedResource {
    type: string;
    name: string;
    urn: string;
    /** The id the mock engine gave the resource (what other resources reference it by). */
    id: string;
    custom: boolean;
    inputs: Record<string, any>;
    /** Outputs the mock engine returned (inputs plus computed values). */
    state: Record<string, any>;
    parentUrn?: string;
    protect: boolean;
    dependsOn: string[];
    /** Provider reference `urn::id`, when an explicit provider was passed. */
    provider?: string;
    additionalSecretOutputs: string[];
    /** Property paths of the `ignoreChanges` option. */
    ignoreChanges?: string[];
    /** Read with `Resource.get`: an existing object the program looks at, not one it manages. */
    read?: boolean;
}

/** Mocks that answer like the providers do (see mockOutputs) and remember every resource and invoke. */
export class RecordingMocks implements Mocks {
    readonly resources: RecordedResource[] = [];
    readonly invokes: MockCallArgs[] = [];

    newResource(args: MockResourceArgs): MockResourceResult {
        const isAws = args.type.startsWith("aws:");
        const extra = resourceOutputs[args.type]?.(args) ?? {};
        // The engine sends an empty import id for ordinary registrations.
        const id = args.id || `${args.name}-id`;
        const state = { ...(isAws ? { arn: mockArn(args.type, args.name) } : {}), ...args.inputs, ...kubernetesAutoname(args), ...extra };
        this.resources.push({
            type: args.type,
            name: args.name,
            urn: "",
            id,
            custom: args.custom ?? true,
            inputs: args.inputs,
            state,
            parentUrn: undefined,
            protect: false,
            dependsOn: [],
            provider: args.provider || undefined,
            additionalSecretOutputs: [],
            ignoreChanges: [],
        });
        return { id, state };
    }

    call(args: MockCallArgs): Record<string, unknown> {
        this.invokes.push(args);
        return invokeOutputs[args.token]?.(args, this.resources) ?? args.inputs;
    }

    /**
     * Completes a record with what only the engine's request carries (URN, parent, protect,
     * dependencies, secret outputs); called by the monitor hook in program.ts.
     */
    annotate(req: RegisterRequest, urn: string, read = false): void {
        const record = [...this.resources].reverse().find((r) => r.urn === "" && r.type === req.getType() && r.name === req.getName());
        if (!record) return;
        record.urn = urn;
        record.parentUrn = req.getParent() || undefined;
        record.protect = req.getProtect() === true;
        record.dependsOn = req.getDependenciesList();
        record.additionalSecretOutputs = req.getAdditionalsecretoutputsList();
        record.ignoreChanges = req.getIgnorechangesList();
        if (read) record.read = true;
    }

    /** Resources of one type token (e.g. "aws:rds/instance:Instance"). */
    ofType(type: string): RecordedResource[] {
        return this.resources.filter((r) => r.type === type);
    }

    /** The single resource of a type, failing loudly when there are none or several. */
    one(type: string, name?: string): RecordedResource {
        const found = this.ofType(type).filter((r) => name === undefined || r.name === name);
        if (found.length !== 1) {
            throw new Error(
                `expected exactly one ${type}${name ? ` named ${name}` : ""}, found ${found.length}: ${found.map((r) => r.name).join(", ")}`,
            );
        }
        return found[0];
    }
}

/**
 * The Kubernetes provider names an object without `metadata.name` `<resource name>-<random suffix>`
 * and returns it, so other resources can refer to it; the stand-in suffix is derived from the type
 * and name, so successive runs (rollout stages) keep the name as Pulumi's state would.
 */
export function kubernetesAutoname(args: Pick<MockResourceArgs, "type" | "name" | "inputs">): Record<string, unknown> {
    if (!args.type.startsWith("kubernetes:") || args.type.startsWith("kubernetes:helm") || args.type.endsWith("Patch")) return {};
    const metadata = (args.inputs.metadata ?? {}) as Record<string, unknown>;
    if (metadata.name !== undefined) return {};
    const suffix = crypto.createHash("sha256").update(`${args.type}::${args.name}`).digest("hex").slice(0, 8);
    return { metadata: { ...metadata, name: `${args.name}-${suffix}` } };
}
