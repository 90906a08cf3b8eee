/**
 * The kit's simulated cluster (cluster.sh): the project's kube-apiserver and etcd (`npm run
 * apiserver:setup`) plus the kit's controller-manager, scheduler and kwok (`npm run engine:setup`),
 * on free ports of 127.0.0.1. Pods are scheduled and reported Ready; nothing runs.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { KubeClient, TOOLS_BIN } from "../harness/apiserver";
import { ENGINE_DIR, KIT_DIR, required, runCommand } from "./engine";

interface KubeconfigFile {
    clusters: { cluster: { server: string; "certificate-authority": string } }[];
    users: { user: { token: string } }[];
}

export function clusterScript(): string {
    return required(path.join(KIT_DIR, "cluster.sh"), "the pulumi-real kit's cluster.sh (set PULUMI_REAL_KIT)");
}

/** The binaries cluster.sh runs, as the environment variables it reads. */
export function clusterBinaries(): Record<string, string> {
    return {
        ETCD: required(path.join(TOOLS_BIN, "etcd"), "etcd"),
        KUBE_APISERVER: required(path.join(TOOLS_BIN, "kube-apiserver"), "kube-apiserver"),
        KUBE_CONTROLLER_MANAGER: required(path.join(ENGINE_DIR, "bin", "kube-controller-manager"), "kube-controller-manager"),
        KUBE_SCHEDULER: required(path.join(ENGINE_DIR, "bin", "kube-scheduler"), "kube-scheduler"),
        KWOK: required(path.join(ENGINE_DIR, "bin", "kwok"), "kwok"),
    };
}

interface IngressList {
    items: { metadata: { name: string; namespace: string }; status?: { loadBalancer?: { ingress?: unknown[] } } }[];
}

/**
 * The kit's cluster plus what a missing part would do for the program's objects: Ingress status
 * (an ingress controller's; the stand-in ingress-nginx chart runs none). kwok renews the node's
 * lease itself; a second writer of that lease stops kwok from managing the node's pods.
 */
export class SimCluster {
    private ingressWriter?: NodeJS.Timeout;

    private constructor(
        readonly dir: string,
        readonly kubeconfigPath: string,
        readonly client: KubeClient,
    ) {}

    /** Sets `.status.loadBalancer` of every Ingress that has none, as a controller serving it would; the provider waits for it. */
    private async writeIngressStatus(): Promise<void> {
        const list = await this.client.request<IngressList>("GET", "/apis/networking.k8s.io/v1/ingresses");
        for (const { metadata, status } of list.body.items) {
            if ((status?.loadBalancer?.ingress ?? []).length > 0) continue;
            await this.client.request(
                "PATCH",
                `/apis/networking.k8s.io/v1/namespaces/${metadata.namespace}/ingresses/${metadata.name}/status`,
                { status: { loadBalancer: { ingress: [{ ip: "127.0.0.1" }] } } },
                "application/merge-patch+json",
            );
        }
    }

    private startIngressWriter(): void {
        const tick = () => {
            this.writeIngressStatus()
                .catch(() => undefined) // an Ingress deleted between list and patch; the next tick sees the current state
                .finally(() => {
                    if (this.ingressWriter) this.ingressWriter = setTimeout(tick, 250);
                });
        };
        this.ingressWriter = setTimeout(tick, 0);
    }

    static async start(): Promise<SimCluster> {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-cluster-"));
        const r = await runCommand("bash", [clusterScript(), "start", dir], {
            env: { ...process.env, ...clusterBinaries() },
            timeoutMs: 240_000,
        });
        if (r.code !== 0) {
            await runCommand("bash", [clusterScript(), "stop", dir], { timeoutMs: 60_000 });
            throw new Error(`cluster.sh start failed (${r.timedOut ? "timed out" : `exit ${r.code}`}):\n${r.stdout}${r.stderr}`);
        }
        return SimCluster.open(dir);
    }

    /** A client (and the Ingress status writer) for a cluster cluster.sh started in `dir`. */
    static open(dir: string): SimCluster {
        const kubeconfigPath = path.join(dir, "kubeconfig");
        const kubeconfig = parse(fs.readFileSync(kubeconfigPath, "utf8")) as KubeconfigFile;
        const { server, "certificate-authority": caFile } = kubeconfig.clusters[0].cluster;
        const cluster = new SimCluster(
            dir,
            kubeconfigPath,
            new KubeClient(server, kubeconfig.users[0].user.token, fs.readFileSync(caFile, "utf8")),
        );
        cluster.startIngressWriter();
        return cluster;
    }

    /** Names of the namespaces that exist, without the cluster's own. */
    async namespaces(): Promise<string[]> {
        const builtin = new Set(["default", "kube-system", "kube-public", "kube-node-lease"]);
        return (await this.client.list("v1", "Namespace")).map((n) => n.metadata.name!).filter((n) => !builtin.has(n));
    }

    /** Stops the stand-ins and the client; the cluster keeps running. */
    close(): void {
        clearTimeout(this.ingressWriter);
        this.ingressWriter = undefined;
        this.client.close();
    }

    async stop(): Promise<void> {
        this.close();
        await runCommand("bash", [clusterScript(), "stop", this.dir], { timeoutMs: 60_000 });
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}
