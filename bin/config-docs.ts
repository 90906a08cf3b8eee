/** `npm run docs:config`: prints the README's table of stack settings, generated from the config schema. */
import { configKeysMarkdown } from "../config/docs";

console.log(configKeysMarkdown());
