// Placeholder so that the component has a translation unit.
