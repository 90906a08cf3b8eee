import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { getVersion as commandPluginVersion } from "@pulumi/command/utilities";
import type { KindClusterConfig } from "../../config/cluster";
import { componentType } from "../../identity";

/**
 * The shell commands of the kind cluster's lifecycle (POSIX sh; the values arrive as environment
 * variables, never spliced into the text). Create and update print the kubeconfig on stdout and
 * nothing else: kind's progress goes to stderr.
 */
export const KIND_COMMANDS = {
    create: [
        'kind create cluster --name "$KIND_CLUSTER_NAME" ${KIND_NODE_IMAGE:+--image "$KIND_NODE_IMAGE"} --wait "${KIND_WAIT_SECONDS}s" >&2',
        'kind get kubeconfig --name "$KIND_CLUSTER_NAME"',
    ].join(" && "),
    // Settings that do not replace the cluster (the wait) only re-read its kubeconfig.
    update: 'kind get kubeconfig --name "$KIND_CLUSTER_NAME"',
    delete: 'kind delete cluster --name "$KIND_CLUSTER_NAME" >&2',
} as const;

/** The environment the commands read their settings from. */
export function kindEnvironment(config: KindClusterConfig): Record<string, string> {
    return { KIND_CLUSTER_NAME: config.name, KIND_NODE_IMAGE: config.nodeImage ?? "", KIND_WAIT_SECONDS: String(config.waitSeconds) };
}

/**
 * The inputs of `command:local:Command` plus `logging`, which its provider takes but
 * @pulumi/command 4.5.0's class does not pass on.
 */
interface QuietCommandArgs extends command.local.CommandArgs {
    /** Which of the command's streams the engine logs; the kubeconfig on stdout must not be. */
    logging: "stderr" | "none";
}

/**
 * `command:local:Command` registered with `logging`, so a secret printed on stdout stays out of the
 * update's log; with the plugin version @pulumi/command's own classes ask for.
 */
class QuietCommand extends pulumi.CustomResource {
    declare readonly stdout: pulumi.Output<string>;

    constructor(name: string, args: QuietCommandArgs, opts: pulumi.CustomResourceOptions) {
        super(
            "command:local:Command",
            name,
            { ...args, stdout: undefined, stderr: undefined },
            { version: commandPluginVersion(), ...opts },
        );
    }
}

export interface KindClusterArgs {
    kind: KindClusterConfig;
}

/**
 * A kind cluster owned by the stack: `pulumi up` creates it (`kind create cluster`), `pulumi
 * destroy` deletes it after everything deployed into it, and its kubeconfig comes from the
 * command's output as a secret. A new name or node image replaces the cluster.
 */
export class KindCluster extends pulumi.ComponentResource {
    readonly clusterName: pulumi.Output<string>;
    /** Secret: the kubeconfig `kind get kubeconfig` prints (it holds the admin client key). */
    readonly kubeconfig: pulumi.Output<string>;

    constructor(name: string, args: KindClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super(componentType("cluster", "KindCluster"), name, {}, opts);
        const config = args.kind;
        const cluster = new QuietCommand(
            `${name}-kind`,
            {
                create: KIND_COMMANDS.create,
                update: KIND_COMMANDS.update,
                delete: KIND_COMMANDS.delete,
                environment: kindEnvironment(config),
                triggers: [config.name, config.nodeImage ?? ""],
                logging: "stderr",
            },
            { parent: this, additionalSecretOutputs: ["stdout"] },
        );
        this.clusterName = pulumi.output(config.name);
        this.kubeconfig = pulumi.secret(cluster.stdout);
        this.registerOutputs({ clusterName: this.clusterName, kubeconfig: this.kubeconfig });
    }
}
