import * as assert from "assert";
import { randomIdEncodings } from "../../../../tools/stand-in-plugins/random/randomIdEncodings";

describe("stand-in random plugin: RandomId's encodings", () => {
    it("encodes the bytes as hex, padded and URL-safe unpadded base64 and decimal; the id is the URL-safe form", () => {
        assert.deepStrictEqual(randomIdEncodings(Buffer.from([0xfb, 0xff, 0x01]), ""), {
            id: "-_8B",
            b64Url: "-_8B",
            b64Std: "+/8B",
            hex: "fbff01",
            dec: "16514817",
        });
        assert.deepStrictEqual(randomIdEncodings(Buffer.from([0x00, 0x10]), ""), {
            id: "ABA",
            b64Url: "ABA",
            b64Std: "ABA=",
            hex: "0010",
            dec: "16",
        });
    });

    it("puts the prefix before every encoding but not the id", () => {
        assert.deepStrictEqual(randomIdEncodings(Buffer.from([0x0a]), "snap-"), {
            id: "Cg",
            b64Url: "snap-Cg",
            b64Std: "snap-Cg==",
            hex: "snap-0a",
            dec: "snap-10",
        });
    });

    it("writes the decimal of many bytes exactly (beyond a double's precision)", () => {
        assert.strictEqual(randomIdEncodings(Buffer.alloc(16, 0xff), "").dec, "340282366920938463463374607431768211455");
    });
});
