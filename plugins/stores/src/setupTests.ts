import '@testing-library/jest-dom';
import { configure } from '@testing-library/react';

// Permission checks and material-table take a while on small, shared machines.
configure({ asyncUtilTimeout: 5000 });
