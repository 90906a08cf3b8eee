/**
 * The outputs of `RandomId` in the test-engine stand-in for the random plugin (no registry here
 * serves the upstream one), encoded as terraform-provider-random encodes its bytes: the prefix goes
 * before each encoding, and the resource's id is the unpadded URL-safe base64 without it.
 */

export interface RandomIdEncodings {
    id: string;
    b64Url: string;
    b64Std: string;
    hex: string;
    dec: string;
}

export function randomIdEncodings(bytes: Buffer, prefix: string): RandomIdEncodings {
    const id = bytes.toString("base64url");
    const hex = bytes.toString("hex");
    return {
        id,
        b64Url: prefix + id,
        b64Std: prefix + bytes.toString("base64"),
        hex: prefix + hex,
        dec: prefix + (hex === "" ? 0n : BigInt(`0x${hex}`)).toString(),
    };
}
