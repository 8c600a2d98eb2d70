// Registration list for this group of directives: one import per module file.
export {};
