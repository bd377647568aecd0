import { componentTsupConfig } from '../tsup.shared';

export default componentTsupConfig();
