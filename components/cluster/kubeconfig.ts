import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** The parts of a kubeconfig (clientcmd v1) this program writes. */
export interface Kubeconfig {
    apiVersion: "v1";
    kind: "Config";
    "current-context": string;
    clusters: { name: string; cluster: { server: string; "certificate-authority-data": string } }[];
    contexts: { name: string; context: { cluster: string; user: string } }[];
    users: {
        name: string;
        user: {
            exec: {
                apiVersion: string;
                command: string;
                args: string[];
                interactiveMode: "Never";
            };
        };
    }[];
}

export interface EksKubeconfigArgs {
    clusterName: string;
    endpoint: string;
    /** Base64 PEM of the cluster CA, as EKS reports it (certificateAuthority.data). */
    certificateAuthorityData: string;
    region: string;
}

/**
 * A kubeconfig for an EKS cluster that authenticates with `aws eks get-token` (AWS CLI v2): it holds no
 * credential, each use mints a short-lived token from the caller's AWS identity.
 */
export function eksKubeconfig(args: EksKubeconfigArgs): Kubeconfig {
    const name = args.clusterName;
    return {
        apiVersion: "v1",
        kind: "Config",
        "current-context": name,
        clusters: [{ name, cluster: { server: args.endpoint, "certificate-authority-data": args.certificateAuthorityData } }],
        contexts: [{ name, context: { cluster: name, user: name } }],
        users: [
            {
                name,
                user: {
                    exec: {
                        apiVersion: "client.authentication.k8s.io/v1beta1",
                        command: "aws",
                        args: ["eks", "get-token", "--cluster-name", name, "--region", args.region, "--output", "json"],
                        interactiveMode: "Never",
                    },
                },
            },
        ],
    };
}

/** Absolute path of a configured kubeconfig path: `~/` is the home directory, relative paths are from the working directory. */
export function resolveKubeconfigPath(configured: string, cwd = process.cwd(), home = os.homedir()): string {
    const expanded = configured === "~" || configured.startsWith("~/") ? path.join(home, configured.slice(1)) : configured;
    return path.resolve(cwd, expanded);
}

/** Reads the kubeconfig at `cluster.kubeconfigPath`, failing with the key and the path when it cannot. */
export function readKubeconfigFile(configured: string): string {
    const file = resolveKubeconfigPath(configured);
    try {
        return fs.readFileSync(file, "utf8");
    } catch (err) {
        throw new Error(
            `claude-enhancer:cluster.kubeconfigPath: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
            { cause: err },
        );
    }
}

/**
 * The kubeconfig file the Kubernetes provider uses when none is configured, as kubectl finds it: the
 * first existing file of `KUBECONFIG` (a path list), else `~/.kube/config`; undefined when there is none.
 * Contexts spread over several KUBECONFIG files are not merged: set `cluster.kubeconfigPath` for those.
 */
export function ambientKubeconfigPath(
    env: NodeJS.ProcessEnv = process.env,
    home = os.homedir(),
    exists: (file: string) => boolean = fs.existsSync,
): string | undefined {
    const candidates = env.KUBECONFIG ? env.KUBECONFIG.split(path.delimiter).filter((p) => p !== "") : [path.join(home, ".kube", "config")];
    return candidates.find((file) => exists(file));
}
