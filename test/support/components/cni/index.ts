/** A minimal code-native integration (spectral `integration(...)`): the runtime must refuse to load it. */
import { flow, integration } from '@prismatic-io/spectral';

export default integration({
  name: 'Test CNI',
  description: 'A code-native integration, not a component',
  flows: [
    flow({
      name: 'Only flow',
      stableKey: 'only-flow',
      description: 'Does nothing',
      onExecution: async () => Promise.resolve({ data: null }),
    }),
  ],
});
