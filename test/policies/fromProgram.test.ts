import * as assert from "node:assert/strict";
import { RecordedResource } from "../harness/recorder";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { asFirstPreview, isTaggableAwsType, toAnalyzedResources, unwrapSecrets } from "./fromProgram";
import { UNKNOWN } from "./harness";

const PROVIDER_URN = "urn:pulumi:staging::claude-enhancer::pulumi:providers:aws::aws-primary";

function recorded(type: string, name: string, inputs: Record<string, any>, state: Record<string, any> = {}): RecordedResource {
    return {
        type,
        name,
        urn: `urn:pulumi:staging::claude-enhancer::${type}::${name}`,
        id: `${name}-id`,
        custom: true,
        inputs,
        state: { ...inputs, ...state },
        protect: false,
        dependsOn: [],
        provider: type.startsWith("aws:") ? `${PROVIDER_URN}::aws-primary-id` : undefined,
        additionalSecretOutputs: [],
    };
}

describe("program resources as the pack sees them", () => {
    const provider = {
        ...recorded("pulumi:providers:aws", "aws-primary", {
            region: "us-east-1",
            defaultTags: JSON.stringify({ tags: { Project: "claude-enhancer", CostCenter: "cc" } }),
        }),
        urn: PROVIDER_URN,
    };
    const bucket = recorded(
        "aws:s3/bucket:Bucket",
        "backups",
        { tags: { Name: "backups" } },
        { arn: "arn:aws:s3:::backups-bucket", bucket: "backups-bucket" },
    );
    const versioning = recorded("aws:s3/bucketVersioning:BucketVersioning", "backups-versioning", {
        bucket: "backups-id",
        versioningConfiguration: { status: "Enabled" },
    });
    const policy = recorded("aws:s3/bucketPolicy:BucketPolicy", "backups-policy", {
        bucket: "backups-id",
        policy: JSON.stringify({ Resource: "arn:aws:s3:::backups-bucket/*" }),
    });

    it("knows which AWS types take tags from the SDK declarations", () => {
        assert.equal(isTaggableAwsType("aws:s3/bucket:Bucket"), true);
        assert.equal(isTaggableAwsType("aws:s3/bucketVersioning:BucketVersioning"), false);
        assert.equal(isTaggableAwsType("aws:no/such:Type"), false);
    });

    it("adds the mock id and, on taggable types, tagsAll as the provider computes it", () => {
        const [, b, v] = toAnalyzedResources([provider, bucket, versioning]);
        assert.equal(b.outputs.id, "backups-id");
        assert.deepEqual(b.outputs.tagsAll, { Project: "claude-enhancer", CostCenter: "cc", Name: "backups" });
        assert.equal("tagsAll" in v.outputs, false);
    });

    it("unwraps secrets as @pulumi/policy does before a policy reads them", () => {
        const secret = (value: unknown) => ({ [specialSigKey]: specialSecretSig, value });
        const gate = recorded("pulumi-nodejs:dynamic/healthGate:HealthGate", "rollout-gate", {
            stage: "canary",
            trafficCut: secret({ kubeconfig: "k", target: { router: "istio" } }),
        });
        const [analyzed] = toAnalyzedResources([gate]);
        assert.deepEqual(analyzed.inputs.trafficCut, { kubeconfig: "k", target: { router: "istio" } });
        assert.deepEqual(analyzed.outputs.trafficCut, { kubeconfig: "k", target: { router: "istio" } });
        assert.deepEqual(unwrapSecrets([secret("a"), { b: secret(secret(1)) }]), ["a", { b: 1 }]);
    });

    it("in a first preview, blanks computed outputs and every input built from one", () => {
        const [p, b, v, pol] = asFirstPreview(toAnalyzedResources([provider, bucket, versioning, policy]), UNKNOWN);
        assert.deepEqual(p.inputs, provider.inputs);
        assert.equal(b.outputs.id, UNKNOWN);
        assert.equal(b.outputs.arn, UNKNOWN);
        assert.equal(b.outputs.tagsAll, UNKNOWN);
        assert.deepEqual(b.inputs, { tags: { Name: "backups" } });
        assert.deepEqual(v.inputs, { bucket: UNKNOWN, versioningConfiguration: { status: "Enabled" } });
        assert.equal(pol.inputs.policy, UNKNOWN);
    });
});
