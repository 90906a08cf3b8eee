/**
 * The resource types of the test-engine stand-in for the random plugin (no registry here serves the
 * upstream one) and what each does with its inputs, as terraform-provider-random (bridged as
 * pulumi-random) does: `RandomPassword` (its result and the resource secret, id "none"),
 * `RandomString` (the result is also its id) and `RandomId`. A password's `bcryptHash` is bcrypt at
 * cost 10, upstream's default, and secret like the result.
 */
import { hashSync } from "bcryptjs";
import * as crypto from "crypto";
import type { CheckFailure, CreateResult } from "@pulumi/pulumi/provider";
import { PropertyMap, revealAll, secret } from "../shared/propertyValues";
import { checkRandomIdInputs, randomIdInputValues } from "./randomIdInputs";
import { randomIdEncodings } from "./randomIdEncodings";
import { generateRandomString } from "./randomString";
import { checkStringInputs, stringInputOutputs, stringInputValues, stringSettings } from "./stringInputs";

export interface RandomResource {
    /** Check failures of the revealed inputs. */
    check(type: string, inputs: PropertyMap): CheckFailure[];
    /** Every input as compared for replacement (defaults applied), from revealed inputs or the state. */
    inputValues(properties: PropertyMap): Record<string, unknown>;
    /** The new resource from known inputs (secrets still wrapped, so the outputs keep them so). */
    create(inputs: PropertyMap): CreateResult;
}

const randomPassword: RandomResource = {
    check: checkStringInputs,
    inputValues: stringInputValues,
    create(inputs) {
        const revealed = revealAll(inputs);
        const result = generateRandomString(stringSettings(revealed));
        return {
            id: "none",
            outs: { ...stringInputOutputs(inputs, revealed), result: secret(result), bcryptHash: secret(hashSync(result, 10)) },
        };
    },
};

const randomString: RandomResource = {
    check: checkStringInputs,
    inputValues: stringInputValues,
    create(inputs) {
        const revealed = revealAll(inputs);
        const result = generateRandomString(stringSettings(revealed));
        return { id: result, outs: { ...stringInputOutputs(inputs, revealed), result } };
    },
};

const randomId: RandomResource = {
    check: checkRandomIdInputs,
    inputValues: randomIdInputValues,
    create(inputs) {
        const values = randomIdInputValues(revealAll(inputs));
        const { id, ...encodings } = randomIdEncodings(crypto.randomBytes(values.byteLength as number), values.prefix as string);
        return { id, outs: { ...inputs, ...encodings } };
    },
};

export const RANDOM_RESOURCES: ReadonlyMap<string, RandomResource> = new Map([
    ["random:index/randomPassword:RandomPassword", randomPassword],
    ["random:index/randomString:RandomString", randomString],
    ["random:index/randomId:RandomId", randomId],
]);
