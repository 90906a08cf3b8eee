import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import { parse } from "yaml";
import { execFileSync, spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
    ClusterIdentity,
    LogArchiveTarget,
    Logging,
    LoggingArgs,
    PrivateNetwork,
    archiveWriterPolicy,
    domainAzCount,
} from "../../../components/observability/logging";
import { StackName } from "../../../config/stackFile";
import { REDACTION_SCRIPT, auditConfig, fluentBitPipeline, retentionSetupScript } from "../../../components/observability/loggingValues";
import { LUA_FUNCTION, redactionLuaScript } from "../../../components/observability/redaction";
import { runProgram } from "../../harness/program";
import { RecordingMocks } from "../../harness/recorder";
import { providers, registered, resolved, secretInput } from "../dataStoreFixtures";
import { dependsOn, stackConfig, withoutWarnings } from "./fixtures";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const DOMAIN = "aws:opensearch/domain:Domain";
const ROLE = "aws:iam/role:Role";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const ISSUER = "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE";
const CLUSTER: ClusterIdentity = { oidcProviderArn: `arn:aws:iam::123456789012:oidc-provider/${ISSUER}`, oidcProviderUrl: ISSUER };
const ARCHIVE: LogArchiveTarget = {
    bucketName: "ce-logs-archive",
    bucketArn: "arn:aws:s3:::ce-logs-archive",
    kmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/archive",
    region: "us-east-1",
};
const NETWORK: PrivateNetwork = { vpcId: "vpc-0test", vpcCidr: "10.0.0.0/16", privateSubnetIds: ["subnet-a", "subnet-b", "subnet-c"] };

function argsFor(stack: StackName): LoggingArgs {
    const config = stackConfig(stack);
    const onAws = config.cluster.mode === "eks";
    return {
        logging: config.logging,
        environment: config.environment,
        namespace: "logging",
        storageClassName: onAws ? "gp3" : undefined,
        cluster: onAws ? CLUSTER : undefined,
        archive: onAws ? ARCHIVE : undefined,
        network: onAws ? NETWORK : undefined,
        protectDomain: stack === "production",
        chartMirror: undefined,
    };
}

/** The cluster CA's ClusterIssuer, as components/tls/clusterCa.ts registers it (the in-cluster store's certificate needs it). */
const CA_ISSUER = "claude-enhancer-cluster-ca";

async function loggingFor(stack: StackName) {
    const onAws = stackConfig(stack).cluster.mode === "eks";
    return registered(stack, () => {
        const opts = { providers: providers(stack, onAws) };
        const k8sProvider = opts.providers[opts.providers.length - 1];
        const issuer = new k8s.apiextensions.CustomResource(
            "cluster-ca-issuer",
            {
                apiVersion: "cert-manager.io/v1",
                kind: "ClusterIssuer",
                metadata: { name: CA_ISSUER },
                spec: { ca: { secretName: CA_ISSUER } },
            },
            { provider: k8sProvider },
        );
        const inCluster = stackConfig(stack).logging.opensearch.mode === "in-cluster";
        const args = { ...argsFor(stack), certificateIssuer: inCluster ? { name: CA_ISSUER, resource: issuer } : undefined };
        return new Logging("logging", args, opts);
    });
}

const release = (mocks: RecordingMocks, name: string) => mocks.ofType(RELEASE).find((r) => r.inputs.name === name)!;
const fluentBit = (mocks: RecordingMocks) => release(mocks, "fluent-bit");

describe("Logging component (Fluent Bit → OpenSearch + S3 archive)", function () {
    this.timeout(60_000);

    it("Fluent Bit as a DaemonSet from its pinned chart, on every node, with its requests", async () => {
        const { mocks } = await loggingFor("staging");
        const fb = fluentBit(mocks).inputs;
        assert.deepStrictEqual(
            [fb.chart, fb.version, fb.repositoryOpts.repo, fb.namespace],
            ["fluent-bit", "0.58.1", "https://fluent.github.io/helm-charts", "logging"],
        );
        assert.strictEqual(fb.values.kind, "DaemonSet");
        assert.deepStrictEqual(fb.values.tolerations, [{ operator: "Exists" }]);
        assert.deepStrictEqual(fb.values.resources, { requests: { cpu: "100m", memory: "128Mi" } });
        assert.deepStrictEqual(stackConfig("local").logging.fluentBitRequests, { cpu: "50m", memory: "64Mi" });
    });

    it("runs the redaction filter after the Kubernetes filter, on every container log", async () => {
        const { mocks } = await loggingFor("production");
        const values = fluentBit(mocks).inputs.values;
        // logging.redaction.maskEmails defaults to true.
        assert.deepStrictEqual(values.luaScripts, { [REDACTION_SCRIPT]: redactionLuaScript({ maskEmails: true }) });
        const filters: string = values.config.filters;
        const kubernetes = filters.search(/Name +kubernetes\n/);
        const lua = filters.search(/Name +lua\n/);
        assert.ok(kubernetes >= 0 && lua > kubernetes, filters);
        assert.match(
            filters.slice(lua),
            new RegExp(`script +/fluent-bit/scripts/${REDACTION_SCRIPT.replace(".", "\\.")}\\n +call +${LUA_FUNCTION}\\n`),
        );
        assert.match(values.config.inputs, /Path +\/var\/log\/containers\/\*\.log/);
    });

    describe("staging / local: OpenSearch in the cluster", () => {
        it("one OpenSearch node with its pinned chart, volume and heap, plus OpenSearch Dashboards", async () => {
            const { mocks } = await loggingFor("staging");
            const os = release(mocks, "opensearch").inputs;
            assert.deepStrictEqual(
                [os.chart, os.version, os.repositoryOpts.repo, os.namespace],
                ["opensearch", "3.6.0", "https://opensearch-project.github.io/helm-charts", "logging"],
            );
            assert.strictEqual(os.values.singleNode, true);
            assert.deepStrictEqual(os.values.persistence, { enabled: true, size: "20Gi", storageClass: "gp3" });
            assert.strictEqual(os.values.opensearchJavaOpts, "-Xms1024m -Xmx1024m");
            // The image's demo configuration (a CA whose key is public, users with well-known passwords) never runs.
            assert.deepStrictEqual(os.values.extraEnvs, [{ name: "DISABLE_INSTALL_DEMO_CONFIG", value: "true" }]);
            const dashboards = release(mocks, "opensearch-dashboards");
            assert.strictEqual(dashboards.inputs.version, "3.6.0");
            assert.deepStrictEqual(dashboards.inputs.values.opensearchAccount, { secret: "opensearch-credentials" });
            assert.ok(dependsOn(dashboards, release(mocks, "opensearch")));
            assert.strictEqual(mocks.ofType(DOMAIN).length, 0);
        });

        it("Fluent Bit ships to the in-cluster Service over TLS, as the admin from the Secret, daily indices per stack", async () => {
            const { mocks, built } = await loggingFor("staging");
            const outputs: string = fluentBit(mocks).inputs.values.config.outputs;
            assert.match(outputs, /Name +opensearch\n/);
            assert.match(outputs, /Host +opensearch-cluster-master\.logging\.svc\.cluster\.local\n/);
            assert.match(outputs, /Port +9200\n/);
            assert.match(outputs, /HTTP_Passwd +\$\{OPENSEARCH_PASSWORD\}\n/);
            assert.match(outputs, /tls +On\n/);
            assert.match(outputs, /Logstash_Prefix +logs-staging\n/);
            assert.deepStrictEqual(fluentBit(mocks).inputs.values.env, [
                { name: "OPENSEARCH_USERNAME", valueFrom: { secretKeyRef: { name: "opensearch-credentials", key: "username" } } },
                { name: "OPENSEARCH_PASSWORD", valueFrom: { secretKeyRef: { name: "opensearch-credentials", key: "password" } } },
            ]);
            assert.strictEqual(await resolved(built.opensearchUrl), "https://opensearch-cluster-master.logging.svc.cluster.local:9200");
        });

        it("OpenSearch serves the certificate cert-manager issues from the cluster CA, on both layers, and reloads it on renewal", async () => {
            const { mocks } = await loggingFor("staging");
            const certificate = mocks.one("kubernetes:cert-manager.io/v1:Certificate");
            assert.strictEqual(certificate.inputs.metadata.namespace, "logging");
            const spec = certificate.inputs.spec;
            assert.strictEqual(spec.secretName, "opensearch-tls");
            assert.deepStrictEqual(spec.issuerRef, { group: "cert-manager.io", kind: "ClusterIssuer", name: CA_ISSUER });
            for (const name of [
                "opensearch-cluster-master",
                "opensearch-cluster-master.logging.svc",
                "opensearch-cluster-master.logging.svc.cluster.local",
                "*.opensearch-cluster-master-headless.logging.svc.cluster.local",
            ])
                assert.ok(spec.dnsNames.includes(name), name);
            assert.strictEqual(spec.commonName, "opensearch-cluster-master");
            assert.deepStrictEqual(spec.privateKey, { algorithm: "RSA", size: 2048, encoding: "PKCS8", rotationPolicy: "Always" });
            assert.deepStrictEqual(spec.usages, ["server auth", "client auth", "digital signature", "key encipherment"]);
            assert.ok(dependsOn(certificate, mocks.one("kubernetes:cert-manager.io/v1:ClusterIssuer")));

            const values = release(mocks, "opensearch").inputs.values;
            assert.deepStrictEqual(values.secretMounts, [
                { name: "tls", secretName: "opensearch-tls", path: "/usr/share/opensearch/config/certs" },
            ]);
            const yml = parse(values.config["opensearch.yml"]);
            for (const layer of ["transport", "http"]) {
                assert.strictEqual(yml[`plugins.security.ssl.${layer}.pemcert_filepath`], "certs/tls.crt");
                assert.strictEqual(yml[`plugins.security.ssl.${layer}.pemkey_filepath`], "certs/tls.key");
                assert.strictEqual(yml[`plugins.security.ssl.${layer}.pemtrustedcas_filepath`], "certs/ca.crt");
            }
            assert.strictEqual(yml["plugins.security.ssl.http.enabled"], true);
            assert.strictEqual(yml["plugins.security.ssl.certificates_hot_reload.enabled"], true);
            assert.deepStrictEqual(yml["plugins.security.nodes_dn"], ["CN=opensearch-cluster-master"]);
            assert.strictEqual(yml["plugins.security.allow_unsafe_democertificates"], undefined);
            assert.strictEqual(yml["plugins.security.audit.type"], "internal_opensearch");
        });

        it("the security plugin's only internal user is the admin, by the bcrypt hash of the generated password, in a Secret", async () => {
            const { mocks } = await loggingFor("local");
            const password = mocks.ofType("random:index/randomPassword:RandomPassword").find((r) => r.name === "logging-opensearch-admin")!;
            const secret = mocks.ofType("kubernetes:core/v1:Secret").find((r) => r.inputs.metadata.name === "opensearch-internal-users")!;
            const users = parse((secretInput(secret.inputs.stringData) as Record<string, string>)["internal_users.yml"]);
            assert.deepStrictEqual(Object.keys(users), ["_meta", "admin"]);
            assert.deepStrictEqual(users._meta, { type: "internalusers", config_version: 2 });
            assert.match(users.admin.hash, /^\$2a\$10\$/);
            assert.strictEqual(users.admin.hash, password.state.bcryptHash);
            assert.deepStrictEqual(users.admin.backend_roles, ["admin"]);
            assert.strictEqual(release(mocks, "opensearch").inputs.values.securityConfig.internalUsersSecret, "opensearch-internal-users");
        });

        it("its clients verify it against the cluster CA, mounting only the CA: Fluent Bit, Dashboards (full) and the retention Job", async () => {
            const { mocks } = await loggingFor("local");
            const caVolume = {
                name: "opensearch-ca",
                secret: { secretName: "opensearch-tls", items: [{ key: "ca.crt", path: "ca.crt" }] },
            };
            const caMount = { name: "opensearch-ca", mountPath: "/etc/opensearch-ca", readOnly: true };
            const fb = fluentBit(mocks).inputs.values;
            assert.match(fb.config.outputs, /tls\.verify +On\n/);
            assert.match(fb.config.outputs, /tls\.verify_hostname +On\n/);
            assert.match(fb.config.outputs, /tls\.ca_file +\/etc\/opensearch-ca\/ca\.crt\n/);
            assert.deepStrictEqual([fb.extraVolumes, fb.extraVolumeMounts], [[caVolume], [caMount]]);
            const dashboards = release(mocks, "opensearch-dashboards").inputs.values;
            assert.deepStrictEqual([dashboards.extraVolumes, dashboards.extraVolumeMounts], [[caVolume], [caMount]]);
            const config = parse(dashboards.config["opensearch_dashboards.yml"]);
            assert.strictEqual(config["opensearch.ssl.verificationMode"], "full");
            assert.deepStrictEqual(config["opensearch.ssl.certificateAuthorities"], ["/etc/opensearch-ca/ca.crt"]);
            assert.deepStrictEqual(config["opensearch.hosts"], ["https://opensearch-cluster-master:9200"]);
            const pod = mocks.one("kubernetes:batch/v1:Job").inputs.spec.template.spec;
            assert.strictEqual(
                pod.containers[0].env.find((e: { name: string }) => e.name === "CURL_TLS").value,
                "--cacert /etc/opensearch-ca/ca.crt",
            );
            assert.deepStrictEqual(
                pod.volumes.find((v: { name: string }) => v.name === "opensearch-ca"),
                caVolume,
            );
            assert.deepStrictEqual(
                pod.containers[0].volumeMounts.find((m: { name: string }) => m.name === "opensearch-ca"),
                caMount,
            );
        });

        it("the OpenSearch password is a random secret, and never in the Helm values", async () => {
            const { mocks } = await loggingFor("staging");
            const password = mocks.ofType("random:index/randomPassword:RandomPassword").find((r) => r.name === "logging-opensearch-admin")!;
            const secret = mocks.ofType("kubernetes:core/v1:Secret").find((r) => r.inputs.metadata.name === "opensearch-credentials")!;
            assert.strictEqual((secretInput(secret.inputs.stringData) as Record<string, string>).password, password.state.result);
            for (const r of mocks.ofType(RELEASE))
                assert.ok(!JSON.stringify(r.inputs).includes(password.state.result), `${r.inputs.name} values carry the password`);
        });

        it("local: no S3 archive, no IRSA role, no AWS resource at all", async () => {
            const { mocks } = await loggingFor("local");
            assert.deepStrictEqual(
                mocks.resources.filter((r) => r.type.startsWith("aws:")).map((r) => r.type),
                [],
            );
            const fb = fluentBit(mocks).inputs.values;
            assert.doesNotMatch(fb.config.outputs, /Name +s3/);
            assert.deepStrictEqual(fb.serviceAccount.annotations, {});
        });
    });

    describe("production: Amazon OpenSearch in the private subnets", () => {
        it("a domain across 3 AZs of the private subnets, encrypted, HTTPS only, fine-grained access, protected", async () => {
            const { mocks } = await loggingFor("production");
            const domain = mocks.one(DOMAIN);
            const d = domain.inputs;
            assert.strictEqual(d.domainName, "ce-logs-production");
            assert.strictEqual(d.engineVersion, "OpenSearch_2.19");
            assert.deepStrictEqual(d.clusterConfig, {
                instanceType: "r6g.large.search",
                instanceCount: 3,
                zoneAwarenessEnabled: true,
                zoneAwarenessConfig: { availabilityZoneCount: 3 },
            });
            assert.deepStrictEqual(d.ebsOptions, { ebsEnabled: true, volumeType: "gp3", volumeSize: 200 });
            assert.deepStrictEqual(d.encryptAtRest, {
                enabled: true,
                kmsKeyId: mocks.one("aws:kms/key:Key", "logging-opensearch-key").state.arn,
            });
            assert.deepStrictEqual(d.nodeToNodeEncryption, { enabled: true });
            assert.strictEqual(d.domainEndpointOptions.enforceHttps, true);
            assert.deepStrictEqual(d.vpcOptions.subnetIds, NETWORK.privateSubnetIds);
            assert.strictEqual(d.advancedSecurityOptions.enabled, true);
            assert.strictEqual(domain.protect, true);
            assert.ok(domain.additionalSecretOutputs.includes("advancedSecurityOptions"));
            const sg = mocks.one("aws:ec2/securityGroup:SecurityGroup").inputs;
            assert.deepStrictEqual(
                sg.ingress.map((i: Record<string, unknown>) => [i.protocol, i.fromPort, i.toPort, i.cidrBlocks]),
                [["tcp", 443, 443, ["10.0.0.0/16"]]],
            );
            const policy = JSON.parse(d.accessPolicies);
            assert.strictEqual(policy.Statement[0].Resource, "arn:aws:es:us-east-1:123456789012:domain/ce-logs-production/*");
            assert.strictEqual(mocks.ofType(RELEASE).filter((r) => r.inputs.chart === "opensearch").length, 0);
        });

        it("encrypts the domain with its own key and publishes slow, application and audit logs to encrypted log groups only it may write", async () => {
            const { mocks } = await loggingFor("production");
            const domain = mocks.one(DOMAIN);
            const key = mocks.one("aws:kms/key:Key", "logging-opensearch-key");
            assert.deepStrictEqual(JSON.parse(key.inputs.policy).Statement[1].Condition.StringEquals["kms:ViaService"], [
                "es.us-east-1.amazonaws.com",
            ]);
            const published = domain.inputs.logPublishingOptions.map((o: Record<string, unknown>) => [
                o.logType,
                o.cloudwatchLogGroupArn,
                o.enabled,
            ]);
            const groups = ["index-slow-logs", "search-slow-logs", "application-logs", "audit-logs"].map((slug) =>
                mocks.one("aws:cloudwatch/logGroup:LogGroup", `logging-opensearch-${slug}`),
            );
            assert.deepStrictEqual(
                published,
                ["INDEX_SLOW_LOGS", "SEARCH_SLOW_LOGS", "ES_APPLICATION_LOGS", "AUDIT_LOGS"].map((type, i) => [
                    type,
                    groups[i].state.arn,
                    true,
                ]),
            );
            for (const group of groups) {
                assert.match(group.inputs.name, /^\/aws\/opensearch\/domains\/ce-logs-production\/[a-z-]+$/);
                assert.strictEqual(group.inputs.retentionInDays, 30);
                assert.strictEqual(group.inputs.kmsKeyId, mocks.one("aws:kms/key:Key", `${group.name}-key`).state.arn);
            }
            const resourcePolicy = mocks.one("aws:cloudwatch/logResourcePolicy:LogResourcePolicy");
            assert.strictEqual(resourcePolicy.inputs.policyName, "ce-logs-production-log-publishing");
            const [statement] = JSON.parse(resourcePolicy.inputs.policyDocument).Statement;
            assert.deepStrictEqual(
                statement.Resource,
                groups.map((g) => `${g.state.arn}:*`),
            );
            assert.ok(dependsOn(domain, resourcePolicy), "the domain waits for the resource policy");
        });

        it("Fluent Bit ships to the domain's endpoint on 443 with certificate verification", async () => {
            const { mocks } = await loggingFor("production");
            const outputs: string = fluentBit(mocks).inputs.values.config.outputs;
            const endpoint = mocks.one(DOMAIN).state.endpoint;
            if (endpoint !== undefined) assert.match(outputs, new RegExp(`Host +${endpoint.replace(/\./g, "\\.")}\\n`));
            assert.match(outputs, /Port +443\n/);
            assert.match(outputs, /tls\.verify +On\n/);
            assert.match(outputs, /Logstash_Prefix +logs-production\n/);
        });

        it("domain AZs follow the data-node count (zone awareness needs 2 or 3)", () => {
            assert.deepStrictEqual(
                [
                    domainAzCount(1, 3),
                    domainAzCount(2, 3),
                    domainAzCount(3, 3),
                    domainAzCount(4, 3),
                    domainAzCount(6, 3),
                    domainAzCount(3, 2),
                ],
                [1, 2, 3, 2, 3, 2],
            );
        });
    });

    describe("S3 log archive through IRSA", () => {
        it("an IAM role only Fluent Bit's ServiceAccount can assume, allowed only to put objects into the archive bucket", async () => {
            const { mocks } = await loggingFor("staging");
            const role = mocks.one(ROLE);
            assert.deepStrictEqual(JSON.parse(role.inputs.assumeRolePolicy), {
                Version: "2012-10-17",
                Statement: [
                    {
                        Effect: "Allow",
                        Principal: { Federated: CLUSTER.oidcProviderArn },
                        Action: "sts:AssumeRoleWithWebIdentity",
                        Condition: {
                            StringEquals: {
                                [`${ISSUER}:sub`]: "system:serviceaccount:logging:fluent-bit",
                                [`${ISSUER}:aud`]: "sts.amazonaws.com",
                            },
                        },
                    },
                ],
            });
            const policy = JSON.parse(mocks.one(ROLE_POLICY).inputs.policy);
            assert.deepStrictEqual(policy, archiveWriterPolicy(ARCHIVE.bucketArn as string, ARCHIVE.kmsKeyArn as string));
            assert.deepStrictEqual(policy.Statement, [
                { Sid: "WriteLogArchive", Effect: "Allow", Action: ["s3:PutObject"], Resource: "arn:aws:s3:::ce-logs-archive/*" },
                {
                    Sid: "EncryptArchiveObjects",
                    Effect: "Allow",
                    Action: ["kms:GenerateDataKey", "kms:Encrypt"],
                    Resource: ARCHIVE.kmsKeyArn,
                },
            ]);
            const values = fluentBit(mocks).inputs.values;
            assert.deepStrictEqual(values.serviceAccount, {
                create: true,
                name: "fluent-bit",
                annotations: { "eks.amazonaws.com/role-arn": role.state.arn },
            });
            assert.match(values.config.outputs, /Name +s3\n/);
            assert.match(values.config.outputs, /bucket +ce-logs-archive\n/);
            assert.match(values.config.outputs, /s3_key_format +\/kubernetes\/staging\/%Y\/%m\/%d\/%H\/\$TAG-%M%S-\$UUID\.gz\n/);
        });

        it("refuses an archive without the cluster's OIDC provider", async () => {
            await registered("staging", () => {
                assert.throws(
                    () => new Logging("logging", { ...argsFor("staging"), cluster: undefined }, { providers: providers("staging", true) }),
                    /the S3 log archive needs the cluster's OIDC provider \(IRSA\) for Fluent Bit/,
                );
            });
        });

        it("in the whole program, the role trusts the EKS cluster's issuer and writes the Storage component's archive bucket", async () => {
            const run = await withoutWarnings(() => runProgram("staging"));
            const role = run.mocks.ofType(ROLE).find((r) => r.name === "logging-fluent-bit")!;
            const statement = JSON.parse(role.inputs.assumeRolePolicy).Statement[0];
            const [subKey] = Object.keys(statement.Condition.StringEquals);
            assert.match(subKey, /^oidc\.eks\.us-east-1\.amazonaws\.com\/id\/[A-Z0-9-]+:sub$/);
            const oidc = run.mocks.one("aws:iam/openIdConnectProvider:OpenIdConnectProvider");
            assert.strictEqual(statement.Principal.Federated, oidc.state.arn);
            const policy = JSON.parse(run.mocks.ofType(ROLE_POLICY).find((r) => r.name === "logging-fluent-bit-archive")!.inputs.policy);
            const bucketArns = run.mocks.resources.filter((r) => r.type.startsWith("aws:s3/bucket")).map((r) => `${r.state.arn}/*`);
            assert.ok(
                bucketArns.includes(policy.Statement[0].Resource),
                `${policy.Statement[0].Resource} is none of ${bucketArns.join(", ")}`,
            );
            assert.match(policy.Statement[0].Resource, /log/);
        });
    });

    describe("retention per stack", () => {
        it("an ISM policy deletes log and audit indices after logging.retentionDays: 7 staging, 30 production, 3 local", async () => {
            for (const [stack, days] of [
                ["staging", 7],
                ["production", 30],
                ["local", 3],
            ] as const) {
                const { mocks } = await loggingFor(stack);
                const map = mocks.ofType("kubernetes:core/v1:ConfigMap")[0];
                const policy = JSON.parse(map.inputs.data["retention-policy.json"]).policy;
                assert.deepStrictEqual(
                    policy.states[0].transitions,
                    [{ state_name: "delete", conditions: { min_index_age: `${days}d` } }],
                    stack,
                );
                assert.deepStrictEqual(policy.states[1].actions, [{ delete: {} }]);
                assert.deepStrictEqual(policy.ism_template, [
                    { index_patterns: [`logs-${stack}-*`, "security-auditlog-*"], priority: 100 },
                ]);
                const template = JSON.parse(map.inputs.data["index-template.json"]);
                assert.strictEqual(template.template.settings.number_of_replicas, stack === "production" ? 1 : 0, stack);
            }
        });

        it("the setup Job applies them once the store is up, before Fluent Bit ships", async () => {
            const { mocks } = await loggingFor("production");
            const job = mocks.one("kubernetes:batch/v1:Job");
            assert.ok(dependsOn(job, mocks.one(DOMAIN)));
            assert.ok(dependsOn(fluentBit(mocks), job));
            const pod = job.inputs.spec.template.spec;
            const container = pod.containers[0];
            assert.strictEqual(container.image, "curlimages/curl:8.11.1");
            assert.strictEqual(container.env.find((e: { name: string }) => e.name === "CURL_TLS").value, "");
            assert.deepStrictEqual(
                container.env.map((e: { name: string }) => e.name),
                ["OPENSEARCH_URL", "CURL_TLS"],
                "the account comes from files, not the environment",
            );
        });

        it("the setup Job reads the admin account from the Secret mounted as files (0440, group of the pod's user), curl's config in memory", async () => {
            const { mocks } = await loggingFor("staging");
            const pod = mocks.one("kubernetes:batch/v1:Job").inputs.spec.template.spec;
            const volumes = Object.fromEntries(pod.volumes.map((v: { name: string }) => [v.name, v]));
            assert.deepStrictEqual(volumes.credentials.secret, {
                secretName: "opensearch-credentials",
                items: [
                    { key: "username", path: "username" },
                    { key: "password", path: "password" },
                ],
                defaultMode: 0o440,
            });
            assert.deepStrictEqual(volumes["curl-config"].emptyDir, { medium: "Memory", sizeLimit: "1Mi" });
            assert.strictEqual(pod.securityContext.fsGroup, pod.securityContext.runAsGroup);
            assert.deepStrictEqual(
                pod.containers[0].volumeMounts.map((m: { name: string; mountPath: string }) => [m.name, m.mountPath]),
                [
                    ["setup", "/setup"],
                    ["credentials", "/credentials"],
                    ["curl-config", "/run/curl"],
                    ["opensearch-ca", "/etc/opensearch-ca"],
                ],
            );
        });

        it("the setup Job puts the audit configuration on the Amazon domain only (the in-cluster chart's security config audits there)", async () => {
            for (const stack of ["production", "staging", "local"] as const) {
                const { mocks } = await loggingFor(stack);
                const amazon = stack === "production";
                const data = mocks.ofType("kubernetes:core/v1:ConfigMap")[0].inputs.data;
                const command = mocks.one("kubernetes:batch/v1:Job").inputs.spec.template.spec.containers[0].command;
                assert.deepStrictEqual(command, ["/bin/sh", "-c", retentionSetupScript({ auditConfig: amazon })], stack);
                assert.strictEqual(command[2].includes("/_plugins/_security/api/audit/config"), amazon, stack);
                assert.deepStrictEqual(
                    Object.keys(data).sort(),
                    ["index-template.json", "retention-policy.json", ...(amazon ? ["audit-config.json"] : [])].sort(),
                    stack,
                );
            }
        });

        it("the audit configuration: both layers, no AUTHENTICATED / GRANTED_PRIVILEGES, no bodies or sensitive headers, compliance for the security config only", () => {
            const config = auditConfig() as { enabled: boolean; audit: Record<string, unknown>; compliance: Record<string, unknown> };
            assert.strictEqual(config.enabled, true);
            const noisy = ["AUTHENTICATED", "GRANTED_PRIVILEGES"];
            assert.deepStrictEqual(config.audit, {
                enable_rest: true,
                disabled_rest_categories: noisy,
                enable_transport: true,
                disabled_transport_categories: noisy,
                resolve_bulk_requests: false,
                log_request_body: false,
                resolve_indices: true,
                exclude_sensitive_headers: true,
                ignore_users: [],
                ignore_requests: [],
            });
            assert.deepStrictEqual(config.compliance, {
                enabled: true,
                internal_config: true,
                external_config: false,
                read_metadata_only: true,
                read_watched_fields: {},
                read_ignore_users: [],
                write_metadata_only: true,
                write_log_diffs: false,
                write_watched_indices: [],
                write_ignore_users: [],
            });
        });

        describe("the setup script, run by sh with real curl against a local HTTP server", () => {
            const password = "Xy-9_a.b+Zq1";
            const basic = `Basic ${Buffer.from(`admin:${password}`).toString("base64")}`;
            interface Request {
                method: string;
                url: string;
                authorization?: string;
                body: string;
            }

            /**
             * Runs the script with the documents of `stack`'s ConfigMap; the server answers `status(request)`
             * (default 200, 404 for the ISM policy's GET). Every curl argument list is logged, as
             * /proc/<pid>/cmdline would show it.
             */
            async function runScript(stack: StackName, status: (r: Request) => number = () => 200) {
                const { mocks } = await loggingFor(stack);
                const documents: Record<string, string> = mocks.ofType("kubernetes:core/v1:ConfigMap")[0].inputs.data;
                const dir = mkdtempSync(join(tmpdir(), "retention-setup-"));
                const seen: Request[] = [];
                const server = createServer((req, res) => {
                    const chunks: Buffer[] = [];
                    req.on("data", (c: Buffer) => chunks.push(c));
                    req.on("end", () => {
                        const request = {
                            method: req.method!,
                            url: req.url!,
                            authorization: req.headers.authorization,
                            body: Buffer.concat(chunks).toString(),
                        };
                        seen.push(request);
                        const ismGet = req.url!.startsWith("/_plugins/_ism/policies/") && req.method === "GET";
                        res.writeHead(ismGet ? 404 : status(request));
                        res.end("{}");
                    });
                });
                try {
                    const paths = { documents: join(dir, "setup"), credentials: join(dir, "credentials"), curlConfig: join(dir, "curl") };
                    for (const d of [...Object.values(paths), join(dir, "bin")]) mkdirSync(d);
                    writeFileSync(join(paths.credentials, "username"), "admin");
                    writeFileSync(join(paths.credentials, "password"), password);
                    for (const [file, content] of Object.entries(documents)) writeFileSync(join(paths.documents, file), content);
                    const realCurl = execFileSync("sh", ["-c", "command -v curl"]).toString().trim();
                    writeFileSync(join(dir, "bin", "curl"), `#!/bin/sh\nprintf '%s\\n' "$*" >> ${dir}/argv.log\nexec ${realCurl} "$@"\n`);
                    chmodSync(join(dir, "bin", "curl"), 0o755);
                    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
                    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
                    const script = retentionSetupScript({ auditConfig: stack === "production" }, paths);
                    assert.ok(!script.includes(password));
                    const code = await new Promise<number | null>((resolve) => {
                        const child = spawn("sh", ["-c", script], {
                            env: { PATH: `${dir}/bin:${process.env.PATH}`, OPENSEARCH_URL: url, CURL_TLS: "" },
                            stdio: ["ignore", "ignore", "pipe"],
                        });
                        child.stderr.resume();
                        child.on("exit", resolve);
                    });
                    return { code, seen, documents, argv: readFileSync(join(dir, "argv.log"), "utf8").trim().split("\n") };
                } finally {
                    server.close();
                    rmSync(dir, { recursive: true, force: true });
                }
            }

            const retentionCalls = [
                ["GET", "/_cluster/health"],
                ["PUT", "/_index_template/claude-enhancer-logs"],
                ["GET", "/_plugins/_ism/policies/claude-enhancer-logs-retention"],
                ["PUT", "/_plugins/_ism/policies/claude-enhancer-logs-retention"],
            ];
            const AUDIT = "/_plugins/_security/api/audit/config";

            it("Amazon domain: PUTs the audit configuration last, with its document as the body and the admin's Basic credentials", async () => {
                const { code, seen, documents, argv } = await runScript("production");
                assert.strictEqual(code, 0);
                assert.deepStrictEqual(
                    seen.map((r) => [r.method, r.url.split("?")[0], r.authorization === basic]),
                    [...retentionCalls, ["PUT", AUDIT]].map((call) => [...call, true]),
                );
                const audit = seen[seen.length - 1];
                // curl's --data drops the document's newlines, which JSON does not need.
                assert.deepStrictEqual(JSON.parse(audit.body), JSON.parse(documents["audit-config.json"]));
                assert.deepStrictEqual(JSON.parse(audit.body), auditConfig());
                assert.strictEqual(argv.length, 5);
                assert.match(
                    argv[4],
                    new RegExp(
                        `-K \\S+/curl/auth\\.conf .*-X PUT http://127\\.0\\.0\\.1:\\d+${AUDIT} --data @\\S+/setup/audit-config\\.json$`,
                    ),
                );
                for (const args of argv) assert.ok(!args.includes(password), args);
            });

            it("in-cluster store (staging, local): the same calls without the audit configuration", async () => {
                for (const stack of ["staging", "local"] as const) {
                    const { code, seen, argv } = await runScript(stack);
                    assert.strictEqual(code, 0, stack);
                    assert.deepStrictEqual(
                        seen.map((r) => [r.method, r.url.split("?")[0], r.authorization === basic]),
                        retentionCalls.map((call) => [...call, true]),
                        stack,
                    );
                    assert.ok(!argv.some((args) => args.includes("_security")), stack);
                    for (const args of argv) assert.match(args, /-K \S+\/curl\/auth\.conf/);
                    for (const args of argv) assert.ok(!args.includes(password), args);
                }
            });

            it("a non-2xx answer to the audit PUT fails the script, so the Job retries", async () => {
                const { code, seen } = await runScript("production", (r) => (r.url === AUDIT ? 403 : 200));
                assert.notStrictEqual(code, 0);
                assert.deepStrictEqual(seen[seen.length - 1].url, AUDIT);
            });
        });
    });

    it("writes no NetworkPolicy itself: the stack's fences select its pods (components/fences, test/components/fences)", async () => {
        for (const stack of ["staging", "production", "local"] as const) {
            const { mocks } = await loggingFor(stack);
            assert.deepStrictEqual(mocks.ofType("kubernetes:networking.k8s.io/v1:NetworkPolicy"), [], stack);
        }
    });

    it("the pipeline has no S3 output without an archive, and verifies the store against the system's CAs without a CA of its own", () => {
        const pipeline = fluentBitPipeline({
            opensearch: { host: "h", port: 443 },
            credentialsSecret: "s",
            indexPrefix: "logs-x",
        });
        assert.doesNotMatch(pipeline.outputs, /Name +s3/);
        assert.match(pipeline.outputs, /tls\.verify +On\n/);
        assert.doesNotMatch(pipeline.outputs, /tls\.ca_file/);
        assert.doesNotMatch(pipeline.outputs, /verify +Off/);
    });
});
