import * as assert from "assert";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CertManager } from "../../../components/tls/certManager";
import { route53ChallengePolicy } from "../../../components/tls/certManagerValues";
import { ROUTERS } from "../../../components/traffic/routers";
import { ServiceCertificate } from "../../../components/tls/serviceCertificate";
import { LETS_ENCRYPT_PRODUCTION } from "../../../config/tls";
import { installMocks, ProgramRun, runProgram } from "../../harness/program";
import { RecordedResource } from "../../harness/recorder";
import { dependsOn, resolved, stackConfig } from "../observability/fixtures";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };

const OIDC_ARN = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE";
const OIDC_URL = "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE";
const RELEASE = "kubernetes:helm.sh/v3:Release";
const ISSUER = "kubernetes:cert-manager.io/v1:ClusterIssuer";
const CERTIFICATE = "kubernetes:cert-manager.io/v1:Certificate";

/** CertManager and the service Certificate for a stack's config, under the mocks with explicit AWS and Kubernetes providers. */
async function tlsFor(stack: "staging" | "production", router: "istio" | "nginx" = "istio") {
    const config = stackConfig(stack);
    const mocks = await installMocks(stack);
    const awsProvider = new aws.Provider("aws", { region: "us-east-1" });
    const k8sProvider = new k8s.Provider("k8s", { kubeconfig: "{}" });
    const certManager = new CertManager(
        "cert-manager",
        {
            certManager: config.certManager,
            namespace: "cert-manager",
            acme: {
                tls: config.tls!,
                dns: config.dns!,
                host: config.app.ingress.host,
                region: "us-east-1",
                oidcProviderArn: OIDC_ARN,
                oidcProviderUrl: OIDC_URL,
            },
            chartMirror: undefined,
        },
        { providers: [awsProvider, k8sProvider] },
    );
    const secret = ROUTERS[router].servingSecret!({
        mesh: config.mesh,
        ingress: config.app.ingress,
        appNamespace: "claude-enhancer",
        namespaceOf: (name) => pulumi.output(name),
    });
    const certificate = new ServiceCertificate(
        "service-certificate",
        {
            host: config.app.ingress.host,
            namespace: secret.namespace,
            secretName: secret.name,
            issuer: certManager.acmeIssuer!,
        },
        { providers: [k8sProvider] },
    );
    await settings.waitForRPCs();
    return { mocks, config, certManager, certificate };
}

const json = (r: RecordedResource, key: string) => JSON.parse(r.inputs[key]);

describe("TLS for the service host (cert-manager, ACME DNS-01 through Route 53)", function () {
    this.timeout(60_000);

    it("installs cert-manager from the jetstack chart at the pinned version, CRDs by the chart and kept on uninstall", async () => {
        const { mocks } = await tlsFor("production");
        const release = mocks.one(RELEASE);
        assert.deepStrictEqual(
            [
                release.inputs.name,
                release.inputs.chart,
                release.inputs.version,
                release.inputs.repositoryOpts.repo,
                release.inputs.namespace,
            ],
            ["cert-manager", "cert-manager", "v1.18.2", "https://charts.jetstack.io", "cert-manager"],
        );
        assert.deepStrictEqual(release.inputs.values.crds, { enabled: true, keep: true });
        for (const part of [release.inputs.values, release.inputs.values.webhook, release.inputs.values.cainjector]) {
            assert.strictEqual(part.securityContext.runAsNonRoot, true);
            assert.deepStrictEqual(part.containerSecurityContext.capabilities, { drop: ["ALL"] });
            assert.ok(part.resources.requests.cpu && part.resources.requests.memory);
        }
    });

    it("the IRSA role trusts exactly the controller's service account, which the chart annotates with that role", async () => {
        const { mocks, certManager } = await tlsFor("production");
        const role = mocks.one("aws:iam/role:Role");
        const [statement] = json(role, "assumeRolePolicy").Statement;
        assert.strictEqual(statement.Principal.Federated, OIDC_ARN);
        assert.strictEqual(statement.Action, "sts:AssumeRoleWithWebIdentity");
        assert.deepStrictEqual(statement.Condition.StringEquals, {
            [`${OIDC_URL}:sub`]: "system:serviceaccount:cert-manager:cert-manager",
            [`${OIDC_URL}:aud`]: "sts.amazonaws.com",
        });
        const values = mocks.one(RELEASE).inputs.values;
        assert.strictEqual(values.serviceAccount.name, "cert-manager");
        assert.strictEqual(values.serviceAccount.annotations["eks.amazonaws.com/role-arn"], await resolved(certManager.roleArn!));
        // DNS-01 self-checks ask the cluster DNS (the controller's NetworkPolicy allows DNS to kube-dns only).
        assert.strictEqual(values.dns01RecursiveNameserversOnly, true);
        // The release waits for the permissions: the controller's first challenge uses them.
        assert.ok(dependsOn(mocks.one(RELEASE), mocks.one("aws:iam/rolePolicy:RolePolicy")));
    });

    it("the role may write only the host's _acme-challenge TXT record in the one hosted zone, and poll changes", async () => {
        const { mocks } = await tlsFor("production");
        const policy = mocks.one("aws:iam/rolePolicy:RolePolicy");
        assert.deepStrictEqual(json(policy, "policy").Statement, [
            { Sid: "PollChanges", Effect: "Allow", Action: "route53:GetChange", Resource: "arn:aws:route53:::change/*" },
            {
                Sid: "WriteChallengeRecords",
                Effect: "Allow",
                Action: "route53:ChangeResourceRecordSets",
                Resource: "arn:aws:route53:::hostedzone/Z0123456789PRODUCTEX",
                Condition: {
                    "ForAllValues:StringEquals": {
                        "route53:ChangeResourceRecordSetsRecordTypes": ["TXT"],
                        "route53:ChangeResourceRecordSetsNormalizedRecordNames": ["_acme-challenge.claude-enhancer.example.com"],
                    },
                },
            },
            {
                Sid: "ReadZoneRecords",
                Effect: "Allow",
                Action: "route53:ListResourceRecordSets",
                Resource: "arn:aws:route53:::hostedzone/Z0123456789PRODUCTEX",
            },
        ]);
    });

    it("no statement reaches another zone or every resource (the issuer names the zone, so no ListHostedZonesByName)", () => {
        const statements = route53ChallengePolicy("aws-cn", "ZABC", "api.example.cn").Statement;
        for (const s of statements) {
            assert.ok(!String(s.Action).includes("ListHostedZones"), JSON.stringify(s));
            assert.notStrictEqual(s.Resource, "*");
        }
        assert.deepStrictEqual(
            statements.map((s) => s.Resource),
            ["arn:aws-cn:route53:::change/*", "arn:aws-cn:route53:::hostedzone/ZABC", "arn:aws-cn:route53:::hostedzone/ZABC"],
        );
    });

    it("the ClusterIssuer registers the ACME account and solves DNS-01 in the stack's zone with ambient (IRSA) credentials", async () => {
        const { mocks } = await tlsFor("staging");
        const issuer = mocks.one(ISSUER);
        assert.strictEqual(issuer.inputs.metadata.name, "claude-enhancer-acme");
        assert.deepStrictEqual(issuer.inputs.spec, {
            acme: {
                email: "platform-team@example.com",
                server: LETS_ENCRYPT_PRODUCTION,
                privateKeySecretRef: { name: "claude-enhancer-acme-account" },
                solvers: [
                    {
                        selector: { dnsZones: ["staging.example.com"] },
                        dns01: { route53: { region: "us-east-1", hostedZoneID: "Z0123456789STAGINGEX" } },
                    },
                ],
            },
        });
        // Its CRD and validating webhook come with the release.
        assert.ok(dependsOn(issuer, mocks.one(RELEASE)));
    });

    it("istio: the Certificate writes the gateway's credential secret (mesh.istio.tlsCredentialName) in the gateway's namespace", async () => {
        const { mocks, config, certificate } = await tlsFor("production");
        const cert = mocks.one(CERTIFICATE);
        assert.strictEqual(cert.inputs.metadata.namespace, "istio-system");
        assert.strictEqual(cert.inputs.spec.secretName, config.mesh.istio.tlsCredentialName);
        assert.strictEqual(cert.inputs.spec.secretName, "claude-enhancer-gateway-tls");
        assert.deepStrictEqual(cert.inputs.spec.dnsNames, ["claude-enhancer.example.com"]);
        assert.deepStrictEqual(cert.inputs.spec.issuerRef, {
            group: "cert-manager.io",
            kind: "ClusterIssuer",
            name: "claude-enhancer-acme",
        });
        assert.strictEqual(cert.inputs.spec.privateKey.rotationPolicy, "Always");
        // cert-manager renews at two thirds of the issued lifetime: nothing pinned here.
        assert.strictEqual(cert.inputs.spec.renewBefore, undefined);
        assert.ok(dependsOn(cert, mocks.one(ISSUER)));
        assert.strictEqual(await resolved(certificate.namespace), "istio-system");
    });

    it("nginx: the Certificate writes the Ingress's TLS secret (app.ingress.tlsSecretName) in the application namespace", async () => {
        const { mocks, config } = await tlsFor("staging", "nginx");
        const cert = mocks.one(CERTIFICATE);
        assert.strictEqual(cert.inputs.metadata.namespace, "claude-enhancer");
        assert.strictEqual(cert.inputs.spec.secretName, config.app.ingress.tlsSecretName);
    });
});

describe("TLS and DNS in the whole program", function () {
    this.timeout(180_000);
    const runs: Record<string, ProgramRun> = {};
    const programFor = async (stack: "staging" | "local") => (runs[stack] ??= await runProgram(stack));

    it("staging: cert-manager in its restricted namespace, the Certificate in istio-system, the host's record, through explicit providers", async () => {
        const run = await programFor("staging");
        const namespace = run.mocks.ofType("kubernetes:core/v1:Namespace").find((n) => n.inputs.metadata.name === "cert-manager")!;
        assert.strictEqual(namespace.inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
        assert.strictEqual(run.mocks.one(CERTIFICATE, "service-certificate-certificate").inputs.metadata.namespace, "istio-system");
        const record = run.mocks.one("aws:route53/record:Record");
        assert.strictEqual(record.inputs.name, "claude-enhancer.staging.example.com");
        assert.match(record.provider ?? "", /pulumi:providers:aws::/);
        // The record follows the Istio ingress gateway's Service, read from the cluster.
        assert.strictEqual(
            run.mocks.one("kubernetes:core/v1:Service", "service-host-load-balancer").id,
            "istio-system/istio-ingressgateway",
        );
        assert.match(String(run.outputs.serviceHostTarget), /^service-host-load-balancer-\d+\.elb\.us-east-1\.amazonaws\.com$/);
    });

    it("local: cert-manager for the cluster CA only (the in-cluster OpenSearch's certificate): no ACME, no IRSA, no DNS record", async () => {
        const run = await programFor("local");
        for (const type of ["aws:route53/record:Record", "aws:iam/role:Role"]) assert.strictEqual(run.mocks.ofType(type).length, 0, type);
        const values = run.mocks.one(RELEASE, "cert-manager-release").inputs.values;
        assert.strictEqual(values.serviceAccount.annotations, undefined);
        assert.strictEqual(values.dns01RecursiveNameserversOnly, undefined);
        assert.deepStrictEqual(
            run.mocks
                .ofType(ISSUER)
                .map((i) => i.inputs.metadata.name)
                .sort(),
            ["claude-enhancer-cluster-ca", "claude-enhancer-selfsigned"],
        );
        assert.deepStrictEqual(
            run.mocks
                .ofType(CERTIFICATE)
                .map((c) => `${c.inputs.metadata.namespace}/${c.inputs.metadata.name}`)
                .sort(),
            ["cert-manager/claude-enhancer-cluster-ca", "logging/opensearch-tls"],
        );
        const namespace = run.mocks.ofType("kubernetes:core/v1:Namespace").find((n) => n.inputs.metadata.name === "cert-manager")!;
        assert.strictEqual(namespace.inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
    });

    it("the cluster CA: a self-signed issuer signs a CA certificate in cert-manager's namespace, a CA issuer signs with its key", async () => {
        const run = await programFor("local");
        const issuers = Object.fromEntries(run.mocks.ofType(ISSUER).map((i) => [i.inputs.metadata.name, i]));
        assert.deepStrictEqual(issuers["claude-enhancer-selfsigned"].inputs.spec, { selfSigned: {} });
        assert.deepStrictEqual(issuers["claude-enhancer-cluster-ca"].inputs.spec, { ca: { secretName: "claude-enhancer-cluster-ca" } });
        const ca = run.mocks.ofType(CERTIFICATE).find((c) => c.inputs.metadata.name === "claude-enhancer-cluster-ca")!;
        assert.strictEqual(ca.inputs.spec.isCA, true);
        assert.strictEqual(ca.inputs.spec.secretName, "claude-enhancer-cluster-ca");
        assert.deepStrictEqual(ca.inputs.spec.issuerRef, {
            group: "cert-manager.io",
            kind: "ClusterIssuer",
            name: "claude-enhancer-selfsigned",
        });
        // Each waits for the one before it, and all for cert-manager's CRDs and webhook.
        const release = run.mocks.one(RELEASE, "cert-manager-release");
        assert.ok(dependsOn(issuers["claude-enhancer-selfsigned"], release));
        assert.ok(dependsOn(ca, issuers["claude-enhancer-selfsigned"]));
        assert.ok(dependsOn(issuers["claude-enhancer-cluster-ca"], ca));
    });
});
