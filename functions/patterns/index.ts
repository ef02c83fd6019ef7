/** The workflow patterns of the product brief, each with an HTTP starter. */
export {};
