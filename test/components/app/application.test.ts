import * as assert from "assert";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Application, ApplicationArgs, floorAwait, hpaSpec } from "../../../components/app/application";
import { dnsLabel, imageReference, imageRepositoryOf, selectorLabels, versionLabel } from "../../../components/app/podSpec";
import { PUBLIC_IMAGE_REPOSITORY } from "../../../config/app";
import { stageOverridesOf } from "../../../config/rollout";
import { loadStackConfig } from "../../../config/stackFile";
import { STAGE_NAMES, StageName, resolveStageTable } from "../../../rollout/stages";
import { installMocks } from "../../harness/program";
import { RecordedResource, RecordingMocks } from "../../harness/recorder";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
/** How the engine marks a secret value on the wire (what the mock monitor records). */
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const importEsm = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<any>;

const APP = loadStackConfig("production").app;
const SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-abc";
const KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/db";
const OIDC_ARN = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC";
const TABLE = resolveStageTable({}, APP.autoscaling);
const ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com/claude-enhancer-production";
/** Production's private subnets (data stores, AWS API endpoints). */
const PRIVATE = ["10.20.0.0/19", "10.20.32.0/19", "10.20.64.0/19"];
const DNS_EGRESS = {
    to: [
        {
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
            podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
        },
    ],
    ports: [
        { protocol: "UDP", port: 53 },
        { protocol: "TCP", port: 53 },
    ],
};

function argsFor(stage: StageName, overrides: Partial<ApplicationArgs> = {}): ApplicationArgs {
    return {
        app: APP,
        namespace: "claude-enhancer",
        // An output, as the ImageRepository's URL is.
        imageRepository: pulumi.output(ECR),
        awsApis: { kind: "endpoints", cidrs: PRIVATE },
        stage: TABLE[stage],
        stableVersion: "5.0.0",
        candidateVersion: stage === "stable" ? undefined : "5.1.0+build.7",
        database: {
            host: "db.abc123.us-east-1.rds.amazonaws.com",
            readHost: "db-replica.abc123.us-east-1.rds.amazonaws.com",
            port: 5432,
            name: "claude_enhancer",
            credentials: {
                kind: "secretsManager",
                username: "claude_admin",
                secretArn: SECRET_ARN,
                kmsKeyArn: KEY_ARN,
                irsa: { oidcProviderArn: OIDC_ARN, issuerHostPath: "oidc.eks.us-east-1.amazonaws.com/id/ABC" },
            },
            tls: true,
            network: { cidrs: PRIVATE },
        },
        cache: {
            host: "master.cache.abc123.use1.cache.amazonaws.com",
            port: 6379,
            authToken: pulumi.secret("redis-token"),
            tls: true,
            network: { cidrs: PRIVATE },
        },
        router: "istio",
        ingressNamespaces: ["istio-ingress"],
        ...overrides,
    };
}

async function appFor(stage: StageName, overrides: Partial<ApplicationArgs> = {}): Promise<RecordingMocks> {
    const mocks = await installMocks("production");
    const provider = new k8s.Provider("k8s", { kubeconfig: "{}" });
    const awsProvider = new aws.Provider("aws", { region: "us-east-1" });
    new Application("app", argsFor(stage, overrides), { providers: [provider, awsProvider] });
    await settings.waitForRPCs();
    return mocks;
}

const deployment = (m: RecordingMocks, track: string) =>
    m.ofType("kubernetes:apps/v1:Deployment").find((d) => d.inputs.metadata.name === `claude-enhancer-${track}`);
const byName = (m: RecordingMocks, type: string, name: string): RecordedResource => {
    const found = m.ofType(type).filter((r) => r.inputs.metadata.name === name);
    assert.strictEqual(found.length, 1, `expected one ${type} named ${name}, found ${found.length}`);
    return found[0];
};
const resolvedOutput = (value: pulumi.Input<string>) => new Promise<string>((resolve) => pulumi.output(value).apply(resolve));
/** The await condition on a track's disruption budget: at least `floor` of its pods healthy (ready). */
const awaitFloor = (floor: number) => `jsonpath={[?@.currentHealthy > ${floor - 1}]}`;
const PDB = "kubernetes:policy/v1:PodDisruptionBudget";
const envOf = (d: RecordedResource) =>
    Object.fromEntries(d.inputs.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value ?? e.valueFrom]));

describe("Application component", function () {
    this.timeout(60_000);

    describe("stable stage (no rollout)", () => {
        let mocks: RecordingMocks;
        before(async () => {
            mocks = await appFor("stable");
        });

        it("runs only the stable track, sized by its autoscaler", () => {
            const stable = deployment(mocks, "stable")!;
            assert.strictEqual(deployment(mocks, "candidate"), undefined);
            assert.strictEqual(stable.inputs.spec.replicas, undefined);
            assert.deepStrictEqual(stable.inputs.spec.selector, {
                matchLabels: {
                    "app.kubernetes.io/name": "claude-enhancer",
                    "app.kubernetes.io/component": "api",
                    "claude-enhancer.io/track": "stable",
                },
            });
            assert.strictEqual(stable.inputs.spec.template.spec.containers[0].image, `${ECR}:5.0.0`);
            assert.deepStrictEqual(stable.inputs.spec.strategy, {
                type: "RollingUpdate",
                rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
            });
        });

        it("labels pods with the recommended labels and the version", () => {
            assert.deepStrictEqual(deployment(mocks, "stable")!.inputs.spec.template.metadata, {
                labels: {
                    "app.kubernetes.io/name": "claude-enhancer",
                    "app.kubernetes.io/component": "api",
                    "claude-enhancer.io/track": "stable",
                    "app.kubernetes.io/version": "5.0.0",
                    "app.kubernetes.io/part-of": "claude-enhancer",
                    "app.kubernetes.io/managed-by": "pulumi",
                    version: "5.0.0",
                },
                annotations: {
                    "prometheus.io/scrape": "true",
                    "prometheus.io/port": "8080",
                    "prometheus.io/path": "/metrics",
                    "kubectl.kubernetes.io/default-container": "claude-enhancer",
                },
            });
        });

        it("autoscales 3-20 on CPU 70 % and memory 80 %", () => {
            const hpa = byName(mocks, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "claude-enhancer-stable");
            assert.deepStrictEqual(hpa.inputs.spec.scaleTargetRef, {
                apiVersion: "apps/v1",
                kind: "Deployment",
                name: "claude-enhancer-stable",
            });
            assert.strictEqual(hpa.inputs.spec.minReplicas, 3);
            assert.strictEqual(hpa.inputs.spec.maxReplicas, 20);
            assert.deepStrictEqual(
                hpa.inputs.spec.metrics.map((m: any) => [m.resource.name, m.resource.target.averageUtilization]),
                [
                    ["cpu", 70],
                    ["memory", 80],
                ],
            );
        });

        it("keeps at least 2 stable pods through voluntary disruptions", () => {
            const pdb = byName(mocks, "kubernetes:policy/v1:PodDisruptionBudget", "claude-enhancer-stable");
            assert.deepStrictEqual(pdb.inputs.spec, {
                minAvailable: 2,
                selector: { matchLabels: selectorLabels("stable") },
                unhealthyPodEvictionPolicy: "AlwaysAllow",
            });
            assert.strictEqual(mocks.ofType("kubernetes:policy/v1:PodDisruptionBudget").length, 1);
        });

        it("hardens the pod per docs/architecture.md with a writable /tmp", () => {
            const pod = deployment(mocks, "stable")!.inputs.spec.template.spec;
            const container = pod.containers[0];
            assert.deepStrictEqual(pod.securityContext, {
                runAsNonRoot: true,
                runAsUser: 65532,
                runAsGroup: 65532,
                fsGroup: 65532,
                seccompProfile: { type: "RuntimeDefault" },
            });
            assert.deepStrictEqual(container.securityContext, {
                runAsNonRoot: true,
                runAsUser: 65532,
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ["ALL"] },
                seccompProfile: { type: "RuntimeDefault" },
            });
            assert.deepStrictEqual(
                container.volumeMounts.find((m: any) => m.mountPath === "/tmp"),
                { name: "tmp", mountPath: "/tmp" },
            );
            assert.deepStrictEqual(
                pod.volumes.find((v: any) => v.name === "tmp"),
                { name: "tmp", emptyDir: { sizeLimit: "100Mi" } },
            );
            assert.strictEqual(pod.automountServiceAccountToken, false);
            assert.strictEqual(pod.serviceAccountName, "claude-enhancer");
        });

        it("requests 1 CPU / 2Gi and is limited to 2 CPU / 4Gi", () => {
            assert.deepStrictEqual(deployment(mocks, "stable")!.inputs.spec.template.spec.containers[0].resources, {
                requests: { cpu: "1", memory: "2Gi" },
                limits: { cpu: "2", memory: "4Gi" },
            });
        });

        it("probes /health/startup, /health/ready and /health/live on 8080", () => {
            const c = deployment(mocks, "stable")!.inputs.spec.template.spec.containers[0];
            const header = [{ name: "X-Health-Check", value: "kubernetes" }];
            assert.deepStrictEqual(c.startupProbe, {
                httpGet: { path: "/health/startup", port: 8080, httpHeaders: header },
                initialDelaySeconds: 30,
                periodSeconds: 10,
                timeoutSeconds: 10,
                failureThreshold: 10,
            });
            assert.deepStrictEqual(c.readinessProbe, {
                httpGet: { path: "/health/ready", port: 8080, httpHeaders: header },
                initialDelaySeconds: 10,
                periodSeconds: 10,
                timeoutSeconds: 5,
                failureThreshold: 2,
            });
            assert.deepStrictEqual(c.livenessProbe, {
                httpGet: { path: "/health/live", port: 8080, httpHeaders: header },
                initialDelaySeconds: 60,
                periodSeconds: 30,
                timeoutSeconds: 10,
                failureThreshold: 3,
            });
            assert.deepStrictEqual(c.ports, [{ name: "http", containerPort: 8080, protocol: "TCP" }]);
        });

        it("spreads pods of a track over nodes", () => {
            const affinity = deployment(mocks, "stable")!.inputs.spec.template.spec.affinity;
            assert.deepStrictEqual(affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution, [
                {
                    weight: 100,
                    podAffinityTerm: { labelSelector: { matchLabels: selectorLabels("stable") }, topologyKey: "kubernetes.io/hostname" },
                },
            ]);
        });

        it("wires the data stores into the environment, credentials only by reference", () => {
            const env = envOf(deployment(mocks, "stable")!);
            const ref = (key: string) => ({ secretKeyRef: { name: "claude-enhancer-credentials", key } });
            assert.deepStrictEqual(env, {
                APP_VERSION: "5.0.0",
                APP_TRACK: "stable",
                POD_NAME: { fieldRef: { fieldPath: "metadata.name" } },
                POD_NAMESPACE: { fieldRef: { fieldPath: "metadata.namespace" } },
                DATABASE_HOST: "db.abc123.us-east-1.rds.amazonaws.com",
                DATABASE_READ_HOST: "db-replica.abc123.us-east-1.rds.amazonaws.com",
                DATABASE_PORT: "5432",
                DATABASE_NAME: "claude_enhancer",
                DATABASE_SSLMODE: "require",
                DATABASE_USER: "claude_admin",
                DATABASE_CREDENTIALS_SECRET_ARN: SECRET_ARN,
                REDIS_HOST: "master.cache.abc123.use1.cache.amazonaws.com",
                REDIS_PORT: "6379",
                REDIS_TLS: "true",
                REDIS_PASSWORD: ref("REDIS_PASSWORD"),
            });
        });

        it("hands the Redis token to Kubernetes as a Pulumi secret", () => {
            const secret = byName(mocks, "kubernetes:core/v1:Secret", "claude-enhancer-credentials");
            assert.deepStrictEqual(secret.inputs.stringData, { [SECRET_SIG_KEY]: SECRET_SIG, value: { REDIS_PASSWORD: "redis-token" } });
            assert.strictEqual(secret.inputs.type, "Opaque");
        });

        it("lets only its service account read the RDS-managed credentials, through IRSA", () => {
            const role = mocks.one("aws:iam/role:Role");
            assert.deepStrictEqual(JSON.parse(role.inputs.assumeRolePolicy), {
                Version: "2012-10-17",
                Statement: [
                    {
                        Effect: "Allow",
                        Principal: { Federated: OIDC_ARN },
                        Action: "sts:AssumeRoleWithWebIdentity",
                        Condition: {
                            StringEquals: {
                                "oidc.eks.us-east-1.amazonaws.com/id/ABC:sub": "system:serviceaccount:claude-enhancer:claude-enhancer",
                                "oidc.eks.us-east-1.amazonaws.com/id/ABC:aud": "sts.amazonaws.com",
                            },
                        },
                    },
                ],
            });
            const policy = mocks.one("aws:iam/rolePolicy:RolePolicy");
            assert.strictEqual(policy.inputs.role, role.state.name);
            assert.deepStrictEqual(JSON.parse(policy.inputs.policy).Statement, [
                { Effect: "Allow", Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], Resource: SECRET_ARN },
                { Effect: "Allow", Action: "kms:Decrypt", Resource: KEY_ARN },
            ]);
            const sa = byName(mocks, "kubernetes:core/v1:ServiceAccount", "claude-enhancer");
            assert.deepStrictEqual(sa.inputs.metadata.annotations, { "eks.amazonaws.com/role-arn": role.state.arn });
            assert.strictEqual(sa.inputs.automountServiceAccountToken, false);
        });

        it("fronts the tracks with a main Service for Istio and one per track for nginx", () => {
            const selectors = Object.fromEntries(
                mocks.ofType("kubernetes:core/v1:Service").map((s) => [s.inputs.metadata.name, s.inputs.spec.selector]),
            );
            assert.deepStrictEqual(selectors, {
                "claude-enhancer": { "app.kubernetes.io/name": "claude-enhancer", "app.kubernetes.io/component": "api" },
                "claude-enhancer-stable": selectorLabels("stable"),
                "claude-enhancer-candidate": selectorLabels("candidate"),
            });
            const main = byName(mocks, "kubernetes:core/v1:Service", "claude-enhancer");
            assert.deepStrictEqual(main.inputs.spec.ports, [
                { name: "http", port: 80, targetPort: "http", protocol: "TCP", appProtocol: "http" },
            ]);
        });

        it("admits only the mesh gateway and monitoring, and reaches only the data stores, kube-dns, the AWS API endpoints and istiod", () => {
            const np = byName(mocks, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "claude-enhancer");
            const ns = (name: string) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": name } } });
            assert.deepStrictEqual(np.inputs.spec, {
                podSelector: { matchLabels: { "app.kubernetes.io/name": "claude-enhancer" } },
                policyTypes: ["Ingress", "Egress"],
                ingress: [
                    { from: [ns("istio-ingress")], ports: [{ protocol: "TCP", port: 8080 }] },
                    {
                        from: [ns("monitoring")],
                        ports: [
                            { protocol: "TCP", port: 8080 },
                            { protocol: "TCP", port: 15020 },
                        ],
                    },
                ],
                egress: [
                    { to: PRIVATE.map((cidr) => ({ ipBlock: { cidr } })), ports: [{ protocol: "TCP", port: 5432 }] },
                    { to: PRIVATE.map((cidr) => ({ ipBlock: { cidr } })), ports: [{ protocol: "TCP", port: 6379 }] },
                    DNS_EGRESS,
                    { to: PRIVATE.map((cidr) => ({ ipBlock: { cidr } })), ports: [{ protocol: "TCP", port: 443 }] },
                    { to: [ns("istio-system")], ports: [{ protocol: "TCP", port: 15012 }] },
                ],
            });
            assert.strictEqual(np.inputs.metadata.annotations, undefined, "no rule is open to any address");
        });

        it("reaches the public AWS endpoints only with the reason written on the NetworkPolicy", async () => {
            const failover = await appFor("stable", { awsApis: { kind: "public", reason: "DR secret in us-west-2" } });
            const np = byName(failover, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "claude-enhancer");
            assert.deepStrictEqual(np.inputs.spec.egress[3], {
                to: [{ ipBlock: { cidr: "0.0.0.0/0" } }],
                ports: [{ protocol: "TCP", port: 443 }],
            });
            assert.deepStrictEqual(np.inputs.metadata.annotations, {
                "claude-enhancer.io/open-egress-reason": "aws-apis: DR secret in us-west-2",
            });
        });

        it("adds one egress rule per documented exception, annotating those open to any address", async () => {
            const app = {
                ...APP,
                egress: {
                    exceptions: [
                        { name: "partner-api", cidrs: ["203.0.113.0/24"], ports: [443], reason: "partner webhook callbacks" },
                        { name: "llm-api", cidrs: ["0.0.0.0/0"], ports: [443, 8443], reason: "the provider publishes no address ranges" },
                    ],
                },
            };
            const mocks = await appFor("stable", { app });
            const np = byName(mocks, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "claude-enhancer");
            assert.deepStrictEqual(np.inputs.spec.egress.slice(-2), [
                { to: [{ ipBlock: { cidr: "203.0.113.0/24" } }], ports: [{ protocol: "TCP", port: 443 }] },
                {
                    to: [{ ipBlock: { cidr: "0.0.0.0/0" } }],
                    ports: [
                        { protocol: "TCP", port: 443 },
                        { protocol: "TCP", port: 8443 },
                    ],
                },
            ]);
            assert.deepStrictEqual(np.inputs.metadata.annotations, {
                "claude-enhancer.io/open-egress-reason": "llm-api: the provider publishes no address ranges",
            });
        });

        it("refuses Secrets Manager credentials without a route to the AWS APIs", async () => {
            await installMocks("production");
            assert.throws(
                () => new Application("app", argsFor("stable", { awsApis: undefined })),
                /the database credentials come from Secrets Manager but no route to the AWS APIs \(awsApis\) was given/,
            );
        });

        it("emits objects the Kubernetes schemas accept", async () => {
            const models = {
                "kubernetes:apps/v1:Deployment": (await importEsm("kubernetes-models/apps/v1")).Deployment,
                "kubernetes:core/v1:Service": (await importEsm("kubernetes-models/v1")).Service,
                "kubernetes:autoscaling/v2:HorizontalPodAutoscaler": (await importEsm("kubernetes-models/autoscaling/v2"))
                    .HorizontalPodAutoscaler,
                "kubernetes:policy/v1:PodDisruptionBudget": (await importEsm("kubernetes-models/policy/v1")).PodDisruptionBudget,
                "kubernetes:networking.k8s.io/v1:NetworkPolicy": (await importEsm("kubernetes-models/networking.k8s.io/v1")).NetworkPolicy,
            };
            const canary = await appFor("canary");
            let validated = 0;
            for (const r of [...mocks.resources, ...canary.resources]) {
                const Model = (models as Record<string, any>)[r.type];
                if (!Model) continue;
                new Model({ metadata: r.inputs.metadata, spec: r.inputs.spec }).validate();
                validated++;
            }
            // stable: a Deployment, 3 Services, an HPA, a PDB and the NetworkPolicy; canary adds a Deployment, HPA and PDB.
            assert.strictEqual(validated, 7 + 10);
        });
    });

    describe("rollout stages", () => {
        it("runs a 1-replica canary of the candidate version beside blue, with its own disruption budget", async () => {
            const mocks = await appFor("canary");
            const candidate = deployment(mocks, "candidate")!;
            // Sized by its autoscaler, whose floor is the canary's count; the update waits for that many ready pods.
            assert.strictEqual(candidate.inputs.spec.replicas, undefined);
            // The Deployment keeps the provider's own await (its rollout); its budget waits for the floor.
            assert.strictEqual(candidate.inputs.metadata.annotations, undefined);
            assert.strictEqual(
                byName(mocks, PDB, "claude-enhancer-candidate").inputs.metadata.annotations["pulumi.com/waitFor"],
                awaitFloor(1),
            );
            const hpa = byName(mocks, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "claude-enhancer-candidate");
            assert.deepStrictEqual(hpa.inputs.spec.scaleTargetRef, {
                apiVersion: "apps/v1",
                kind: "Deployment",
                name: "claude-enhancer-candidate",
            });
            assert.strictEqual(hpa.inputs.spec.minReplicas, 1);
            assert.strictEqual(hpa.inputs.spec.maxReplicas, 20);
            assert.strictEqual(candidate.inputs.spec.template.spec.containers[0].image, `${ECR}:5.1.0+build.7`);
            assert.strictEqual(candidate.inputs.spec.template.metadata.labels.version, "5.1.0-build.7");
            assert.strictEqual(envOf(candidate).APP_TRACK, "candidate");
            const pdb = byName(mocks, "kubernetes:policy/v1:PodDisruptionBudget", "claude-enhancer-candidate");
            assert.deepStrictEqual(pdb.inputs.spec, {
                maxUnavailable: 1,
                selector: { matchLabels: selectorLabels("candidate") },
                unhealthyPodEvictionPolicy: "AlwaysAllow",
            });
            assert.strictEqual(deployment(mocks, "stable")!.inputs.spec.template.spec.containers[0].image, `${ECR}:5.0.0`);
        });

        it("pre-warms green and keeps blue as a hot standby of green's size in full-switch", async () => {
            const hpaMin = (m: RecordingMocks, track: string) =>
                byName(m, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", `claude-enhancer-${track}`).inputs.spec.minReplicas;
            const waitFor = (m: RecordingMocks, track: string) =>
                byName(m, PDB, `claude-enhancer-${track}`).inputs.metadata.annotations["pulumi.com/waitFor"];
            const prep = await appFor("blue-green-prep");
            assert.strictEqual(hpaMin(prep, "candidate"), 10);
            assert.strictEqual(waitFor(prep, "candidate"), awaitFloor(10));
            assert.strictEqual(hpaMin(prep, "stable"), 3);
            assert.strictEqual(waitFor(prep, "stable"), awaitFloor(3));
            const full = await appFor("full-switch");
            assert.strictEqual(hpaMin(full, "candidate"), 10);
            // The hot standby: blue's floor is green's size and the update waits until 10 blue pods are ready.
            assert.strictEqual(hpaMin(full, "stable"), 10);
            assert.strictEqual(waitFor(full, "stable"), awaitFloor(10));
            assert.strictEqual(deployment(full, "stable")!.inputs.spec.replicas, undefined);
        });

        it("labels each Deployment (not its pods) with the stage and the track's declared weight", async () => {
            const mocks = await appFor("canary-expand");
            const labelsOf = (track: string) => deployment(mocks, track)!.inputs.metadata.labels;
            assert.strictEqual(labelsOf("stable")["claude-enhancer.io/stage"], "canary-expand");
            assert.strictEqual(labelsOf("stable")["claude-enhancer.io/weight"], "80");
            assert.strictEqual(labelsOf("candidate")["claude-enhancer.io/weight"], "20");
            // A stage change must restart no pod: the pod template carries neither label.
            const template = deployment(mocks, "candidate")!.inputs.spec.template.metadata.labels;
            assert.strictEqual(template["claude-enhancer.io/stage"], undefined);
            assert.strictEqual(template["claude-enhancer.io/weight"], undefined);
        });

        it("removes the candidate in rollback", async () => {
            const mocks = await appFor("rollback");
            assert.strictEqual(deployment(mocks, "candidate"), undefined);
            assert.strictEqual(mocks.ofType("kubernetes:policy/v1:PodDisruptionBudget").length, 1);
            assert.strictEqual(deployment(mocks, "stable")!.inputs.spec.template.spec.containers[0].image, `${ECR}:5.0.0`);
        });

        it("never changes a Deployment's selector or name between stages", async () => {
            const seen: Record<string, Set<string>> = { stable: new Set(), candidate: new Set() };
            for (const stage of STAGE_NAMES) {
                const mocks = await appFor(stage);
                for (const track of ["stable", "candidate"]) {
                    const d = deployment(mocks, track);
                    if (d) seen[track].add(JSON.stringify([d.name, d.inputs.metadata.name, d.inputs.spec.selector]));
                }
            }
            assert.strictEqual(seen.stable.size, 1);
            assert.strictEqual(seen.candidate.size, 1);
        });

        it("refuses a stage with a candidate but no candidate version", async () => {
            await installMocks("production");
            assert.throws(
                () => new Application("app", argsFor("canary", { candidateVersion: undefined })),
                /stage canary runs a candidate but no candidateVersion was given/,
            );
        });
    });

    describe("with in-cluster data stores and the nginx router", () => {
        it("reaches the data namespace and admits the ingress-nginx namespace, without istiod", async () => {
            const mocks = await appFor("stable", {
                router: "nginx",
                ingressNamespaces: ["ingress-nginx"],
                database: {
                    ...argsFor("stable").database,
                    readHost: undefined,
                    credentials: { kind: "password", username: "claude_enhancer", password: pulumi.secret("db-password") },
                    tls: false,
                    network: { namespace: "claude-enhancer-data" },
                },
                cache: { host: "redis.claude-enhancer-data.svc", port: 6379, tls: false, network: { namespace: "claude-enhancer-data" } },
            });
            const np = byName(mocks, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "claude-enhancer");
            const ns = (name: string) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": name } } });
            assert.deepStrictEqual(np.inputs.spec.ingress, [
                { from: [ns("ingress-nginx")], ports: [{ protocol: "TCP", port: 8080 }] },
                { from: [ns("monitoring")], ports: [{ protocol: "TCP", port: 8080 }] },
            ]);
            assert.deepStrictEqual(
                np.inputs.spec.egress.map((e: any) => e.to),
                [[ns("claude-enhancer-data")], [ns("claude-enhancer-data")], DNS_EGRESS.to],
            );
            const env = envOf(deployment(mocks, "stable")!);
            assert.strictEqual(env.DATABASE_SSLMODE, "prefer");
            assert.strictEqual(env.REDIS_TLS, "false");
            assert.strictEqual(env.REDIS_PASSWORD, undefined);
            assert.strictEqual(env.DATABASE_USER, "claude_enhancer");
            assert.deepStrictEqual(env.DATABASE_PASSWORD, {
                secretKeyRef: { name: "claude-enhancer-credentials", key: "DATABASE_PASSWORD" },
            });
            assert.deepStrictEqual(byName(mocks, "kubernetes:core/v1:Secret", "claude-enhancer-credentials").inputs.stringData, {
                [SECRET_SIG_KEY]: SECRET_SIG,
                value: { DATABASE_PASSWORD: "db-password" },
            });
            assert.strictEqual(mocks.ofType("aws:iam/role:Role").length, 0);
            assert.strictEqual(
                byName(mocks, "kubernetes:core/v1:ServiceAccount", "claude-enhancer").inputs.metadata.annotations,
                undefined,
            );
            // No replica in-cluster: reads go to the primary.
            assert.strictEqual(env.DATABASE_READ_HOST, env.DATABASE_HOST);
        });

        it("runs the public release image when no repository is given (local)", async () => {
            const local = loadStackConfig("local").app;
            const mocks = await appFor("stable", { app: local, imageRepository: undefined });
            assert.strictEqual(
                deployment(mocks, "stable")!.inputs.spec.template.spec.containers[0].image,
                `${PUBLIC_IMAGE_REPOSITORY}:5.0.0`,
            );
        });
    });

    describe("image repository", () => {
        const image = APP.image;
        it("takes app.image.repository first, then the stack's ECR repository, then the public image", () => {
            assert.strictEqual(imageRepositoryOf({ ...image, repository: "registry.example.com/ce" }, ECR), "registry.example.com/ce");
            assert.strictEqual(imageRepositoryOf({ ...image, repository: undefined }, ECR), ECR);
            assert.strictEqual(imageRepositoryOf({ ...image, repository: undefined }), "ghcr.io/example-org/claude-enhancer");
        });

        it("tags the repository with the version, as a plain string or an output", async () => {
            assert.strictEqual(imageReference("ghcr.io/example-org/claude-enhancer", "5.0.0"), "ghcr.io/example-org/claude-enhancer:5.0.0");
            assert.strictEqual(await resolvedOutput(imageReference(pulumi.output(ECR), "5.1.0")), `${ECR}:5.1.0`);
        });
    });

    describe("track autoscalers and the floors an update waits for", () => {
        const HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";
        // Floors of the shipped staging and production configs (seed 002's stage table, autoscaling 3..20).
        const EXPECTED: Record<StageName, { stable: number; candidate?: number }> = {
            stable: { stable: 3 },
            canary: { stable: 3, candidate: 1 },
            "canary-expand": { stable: 3, candidate: 4 },
            "blue-green-prep": { stable: 3, candidate: 10 },
            "full-switch": { stable: 10, candidate: 10 },
            rollback: { stable: 3 },
        };
        for (const environment of ["staging", "production"] as const) {
            for (const stage of STAGE_NAMES) {
                it(`${environment} ${stage}: candidate floor ${EXPECTED[stage].candidate ?? "none"}, stable floor ${EXPECTED[stage].stable}`, async () => {
                    const config = loadStackConfig(environment);
                    const table = resolveStageTable(stageOverridesOf(config.rollout), config.app.autoscaling);
                    const mocks = await appFor(stage, { app: config.app, stage: table[stage] });
                    const expected = EXPECTED[stage];
                    for (const track of ["stable", "candidate"] as const) {
                        const floor = expected[track];
                        const hpas = mocks.ofType(HPA).filter((r) => r.inputs.metadata.name === `claude-enhancer-${track}`);
                        if (floor === undefined) {
                            assert.strictEqual(hpas.length, 0, `no ${track} autoscaler in ${stage}`);
                            assert.strictEqual(deployment(mocks, track), undefined);
                            continue;
                        }
                        assert.strictEqual(hpas.length, 1);
                        assert.strictEqual(hpas[0].inputs.spec.minReplicas, floor);
                        // The ceiling is the stable autoscaler's, the application's maxReplicas.
                        assert.strictEqual(hpas[0].inputs.spec.maxReplicas, config.app.autoscaling.maxReplicas);
                        assert.strictEqual(hpas[0].inputs.spec.scaleTargetRef.name, `claude-enhancer-${track}`);
                        const d = deployment(mocks, track)!;
                        assert.strictEqual(d.inputs.spec.replicas, undefined, `the ${track} Deployment leaves its size to the autoscaler`);
                        // The Deployment keeps the provider's own await (its rollout complete)...
                        assert.strictEqual(d.inputs.metadata.annotations, undefined);
                        // ...and the track's budget holds the update until the floor is ready.
                        const budget = byName(mocks, PDB, `claude-enhancer-${track}`);
                        assert.strictEqual(budget.inputs.metadata.annotations["pulumi.com/waitFor"], awaitFloor(floor));
                        assert.deepStrictEqual(budget.inputs.spec.selector, { matchLabels: selectorLabels(track) });
                        // The autoscaler scales the Deployment from its creation on (no wait for the Deployment first).
                        assert.ok(!hpas[0].dependsOn.includes(d.urn), `the ${track} autoscaler must not wait for its Deployment`);
                    }
                });
            }
        }

        it("builds an autoscaler spec with the floor, the ceiling, both targets and seed 000's behaviour", () => {
            const spec = hpaSpec("claude-enhancer-candidate", 4, {
                minReplicas: 3,
                maxReplicas: 20,
                targetCpuPercent: 70,
                targetMemoryPercent: 80,
            });
            assert.strictEqual(spec.minReplicas, 4);
            assert.strictEqual(spec.maxReplicas, 20);
            assert.deepStrictEqual(spec.metrics, [
                { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } },
                { type: "Resource", resource: { name: "memory", target: { type: "Utilization", averageUtilization: 80 } } },
            ]);
            assert.deepStrictEqual((spec.behavior as any).scaleDown.stabilizationWindowSeconds, 300);
        });

        it("waits for at least the floor of healthy pods, with no '=' the provider would read as an expected value", () => {
            assert.deepStrictEqual(floorAwait(10), { "pulumi.com/waitFor": "jsonpath={[?@.currentHealthy > 9]}" });
            assert.deepStrictEqual(floorAwait(1), { "pulumi.com/waitFor": "jsonpath={[?@.currentHealthy > 0]}" });
            assert.ok(!floorAwait(13)["pulumi.com/waitFor"].slice("jsonpath=".length).includes("="));
            assert.throws(() => floorAwait(0), /a track's replica floor must be a positive integer; got 0/);
        });
    });

    describe("label and name helpers", () => {
        it("turns a version into a label value", () => {
            assert.strictEqual(versionLabel("5.1.0"), "5.1.0");
            assert.strictEqual(versionLabel("5.1.0+build.7"), "5.1.0-build.7");
            assert.strictEqual(versionLabel("_rc1_"), "rc1");
            assert.strictEqual(versionLabel("v".repeat(80)).length, 63);
            assert.throws(() => versionLabel("___"), /version "___" has no characters usable in a label value/);
        });

        it("turns text into a DNS label", () => {
            assert.strictEqual(dnsLabel("claude-enhancer-migrate-5.1.0_RC1"), "claude-enhancer-migrate-5-1-0-rc1");
            assert.strictEqual(dnsLabel(`x-${"9".repeat(80)}`).length, 63);
        });
    });
});
