import * as assert from "node:assert/strict";
import { ResourceValidationPolicy } from "@pulumi/policy";
import {
    imageRepository,
    kubernetesSecurityPolicies,
    runAsNonRoot,
    tlsVerification,
    tlsVerificationOff,
    unpinnedImage,
} from "../../policies/kubernetesSecurity";
import { withWaivers } from "../../policies/pack";
import { waivers } from "../../policies/waiving";
import { selectorMatches } from "../../policies/workloads";
import * as f from "./fixtures";
import { UNKNOWN, changed, checkResource, describePolicies, resource } from "./harness";
import { POD, kubernetesSecurityCases } from "./kubernetesSecurity.cases";

describePolicies("Kubernetes security policies", kubernetesSecurityPolicies, kubernetesSecurityCases);

describe("Kubernetes policy details", () => {
    it("does not judge a workload whose container list is unknown during preview", async () => {
        const outcome = await checkResource(runAsNonRoot, changed(f.deployment(), [...POD, "containers"], UNKNOWN));
        assert.deepEqual(outcome.violations, []);
        assert.match(outcome.notApplicable ?? "", /containers can't be known during preview/);
    });

    it("passes over resources other than workloads without a verdict", async () => {
        assert.deepEqual(await checkResource(runAsNonRoot, f.rdsPrimary()), { violations: [] });
    });

    it("evaluates label selectors like the API server", () => {
        const labels = { app: "x", tier: "web" };
        assert.equal(selectorMatches({}, labels), true);
        assert.equal(selectorMatches({ matchExpressions: [{ key: "tier", operator: "In", values: ["web"] }] }, labels), true);
        assert.equal(selectorMatches({ matchExpressions: [{ key: "tier", operator: "NotIn", values: ["web"] }] }, labels), false);
        assert.equal(
            selectorMatches({ matchLabels: { app: "x" }, matchExpressions: [{ key: "canary", operator: "DoesNotExist" }] }, labels),
            true,
        );
        assert.equal(
            selectorMatches(
                {
                    matchExpressions: [
                        { key: "app", operator: "Exists" },
                        { key: "tier", operator: "Gt" },
                    ],
                },
                labels,
            ),
            false,
        );
    });

    it("accepts only tagged or digested images", () => {
        assert.equal(unpinnedImage("ghcr.io/org/img:1.2.3"), undefined);
        assert.equal(unpinnedImage(undefined), "has no image");
        assert.match(unpinnedImage("localhost:5000/img") ?? "", /no tag/);
    });

    it("names the repository of an image reference without its tag or digest", () => {
        assert.equal(
            imageRepository("registry.example.com:5000/team/app:1.2@sha256:" + "a".repeat(64)),
            "registry.example.com:5000/team/app",
        );
        assert.equal(imageRepository("registry.example.com:5000/app"), "registry.example.com:5000/app");
        assert.equal(imageRepository("curlimages/curl:8.11.1"), "curlimages/curl");
    });

    it("finds what turns TLS verification off, and only that", () => {
        assert.equal(tlsVerificationOff("CURL_TLS=--insecure"), "--insecure");
        assert.equal(tlsVerificationOff("curl -sS -k https://x"), "-k");
        assert.equal(tlsVerificationOff("kubectl --insecure-skip-tls-verify=true get pods"), "--insecure-skip-tls-verify=true");
        assert.equal(tlsVerificationOff("kubectl --insecure-skip-tls-verify=false get pods"), undefined);
        assert.equal(tlsVerificationOff("git -c http.sslVerify=false clone x"), "http.sslVerify=false");
        assert.equal(tlsVerificationOff("GIT_SSL_NO_VERIFY=true"), "GIT_SSL_NO_VERIFY=true");
        assert.equal(tlsVerificationOff("PYTHONHTTPSVERIFY=0"), "PYTHONHTTPSVERIFY=0");
        assert.equal(tlsVerificationOff("curl --insecure-ish"), undefined);
        assert.equal(tlsVerificationOff("tar -k -xf a.tar"), undefined);
        assert.equal(tlsVerificationOff("NODE_TLS_REJECT_UNAUTHORIZED=01"), undefined);
    });

    it("in the pack, no stack waives the retention Job's TLS verification any more (issue 27: the in-cluster store has a real certificate)", async () => {
        const job = (stack: string) => {
            const r = resource("kubernetes:batch/v1:Job", "logging-retention-setup", {
                metadata: { namespace: "logging" },
                spec: {
                    template: { spec: { containers: [{ name: "setup", image: "x:1", env: [{ name: "CURL_TLS", value: "--insecure" }] }] } },
                },
            });
            return { ...r, urn: r.urn.replace("urn:pulumi:test::", `urn:pulumi:${stack}::`) };
        };
        const waived = withWaivers(tlsVerification, waivers) as ResourceValidationPolicy;
        for (const stack of ["staging", "local", "production"]) {
            assert.equal((await checkResource(waived, job(stack))).violations.length, 1, stack);
        }
        assert.deepEqual(
            waivers.filter((w) => w.check === "k8s-tls-verification" || w.check === "CKV_CE_K8S_1"),
            [],
        );
    });
});
