import * as assert from "node:assert/strict";
import { awsSecurityPolicies, deniesInsecureTransport, rdsStorageEncrypted } from "../../policies/awsSecurity";
import { awsSecurityCases } from "./awsSecurity.cases";
import * as f from "./fixtures";
import { UNKNOWN, changed, checkResource, describePolicies } from "./harness";

describePolicies("AWS security policies", awsSecurityPolicies, awsSecurityCases);

describe("AWS security policy details", () => {
    it("recognises TLS-only statements given as a document object or a single statement", () => {
        assert.equal(
            deniesInsecureTransport({ Statement: { Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": false } } } }),
            true,
        );
        assert.equal(deniesInsecureTransport("not json"), false);
        assert.equal(
            deniesInsecureTransport({ Statement: [{ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "true" } } }] }),
            false,
        );
    });

    it("marks a resource not applicable, with the unknown path, when a checked value is unknown during preview", async () => {
        const outcome = await checkResource(rdsStorageEncrypted, changed(f.rdsPrimary(), ["storageEncrypted"], UNKNOWN));
        assert.deepEqual(outcome.violations, []);
        assert.match(
            outcome.notApplicable ?? "",
            /boolean|string value at \.storageEncrypted can't be known during preview; checked again when the value is known/,
        );
    });

    it("treats an unknown kmsKeyId as set (a computed key ARN)", async () => {
        const outcome = await checkResource(rdsStorageEncrypted, changed(f.rdsPrimary(), ["kmsKeyId"], UNKNOWN));
        assert.deepEqual(outcome, { violations: [] });
    });
});
