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

/** MicroTime as the API server parses it (RFC 3339 with exactly six fractional digits). */
function microTime(date: Date): string {
    return date.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

export class SimCluster {
    private heartbeat?: NodeJS.Timeout;

    private constructor(
        readonly dir: string,
        readonly kubeconfigPath: string,
        readonly client: KubeClient,
    ) {}

    /**
     * Renews every node's Lease every 10 s, as a kubelet does. The kit's kwok runs without node
     * leases and re-posts node status only every 10-20 minutes, so after the controller-manager's
     * 50 s grace the node goes NotReady, every pod on it is marked NotReady for good (only a kubelet
     * would mark them Ready again), and Deployments never finish updating.
     */
    private async renewNodeLeases(): Promise<void> {
        for (const node of await this.client.list("v1", "Node")) {
            const name = node.metadata.name!;
            await this.client.apply(
                {
                    apiVersion: "coordination.k8s.io/v1",
                    kind: "Lease",
                    metadata: { name, namespace: "kube-node-lease" },
                    spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: microTime(new Date()) },
                },
                { fieldManager: "e2e-node-heartbeat", force: true },
            );
        }
    }

    private startHeartbeat(): void {
        const beat = () => {
            this.renewNodeLeases()
                .catch(() => undefined) // a missed beat is retried in 10 s, well within the 50 s grace
                .finally(() => {
                    if (this.heartbeat) this.heartbeat = setTimeout(beat, 10_000);
                });
        };
        this.heartbeat = setTimeout(beat, 0);
    }

    static async start(): Promise<SimCluster> {
        const script = required(path.join(KIT_DIR, "cluster.sh"), "the pulumi-real kit's cluster.sh (set PULUMI_REAL_KIT)");
        const env = {
            ...process.env,
            ETCD: required(path.join(TOOLS_BIN, "etcd"), "etcd"),
            KUBE_APISERVER: required(path.join(TOOLS_BIN, "kube-apiserver"), "kube-apiserver"),
            KUBE_CONTROLLER_MANAGER: required(path.join(ENGINE_DIR, "bin", "kube-controller-manager"), "kube-controller-manager"),
            KUBE_SCHEDULER: required(path.join(ENGINE_DIR, "bin", "kube-scheduler"), "kube-scheduler"),
            KWOK: required(path.join(ENGINE_DIR, "bin", "kwok"), "kwok"),
        };
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-cluster-"));
        const r = await runCommand("bash", [script, "start", dir], { env, timeoutMs: 240_000 });
        if (r.code !== 0) {
            await runCommand("bash", [script, "stop", dir], { env, timeoutMs: 60_000 });
            throw new Error(`cluster.sh start failed (${r.timedOut ? "timed out" : `exit ${r.code}`}):\n${r.stdout}${r.stderr}`);
        }
        const kubeconfigPath = path.join(dir, "kubeconfig");
        const kubeconfig = parse(fs.readFileSync(kubeconfigPath, "utf8")) as KubeconfigFile;
        const { server, "certificate-authority": caFile } = kubeconfig.clusters[0].cluster;
        const cluster = new SimCluster(
            dir,
            kubeconfigPath,
            new KubeClient(server, kubeconfig.users[0].user.token, fs.readFileSync(caFile, "utf8")),
        );
        cluster.startHeartbeat();
        return cluster;
    }

    /** Names of the namespaces that exist, without the cluster's own. */
    async namespaces(): Promise<string[]> {
        const builtin = new Set(["default", "kube-system", "kube-public", "kube-node-lease"]);
        return (await this.client.list("v1", "Namespace")).map((n) => n.metadata.name!).filter((n) => !builtin.has(n));
    }

    async stop(): Promise<void> {
        clearTimeout(this.heartbeat);
        this.heartbeat = undefined;
        this.client.close();
        await runCommand("bash", [path.join(KIT_DIR, "cluster.sh"), "stop", this.dir], { timeoutMs: 60_000 });
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}
