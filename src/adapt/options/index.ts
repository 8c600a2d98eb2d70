// Registration list of global options: one import per option module.
export {};
