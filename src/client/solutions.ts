/*
 * Docusaurus client module: on every page, whether the exercises'
 * solutions show (src/components/Solutions/visibility.ts). The address is
 * read on load and after each client-side navigation; the lab server, if
 * the origin is one, is asked once.
 */
import type {ClientModule} from '@docusaurus/types';
import ExecutionEnvironment from '@docusaurus/ExecutionEnvironment';
import {labStatus} from '../components/lab-status.ts';
import {readLocation, setServerVisibility} from '../components/Solutions/visibility.ts';

if (ExecutionEnvironment.canUseDOM) {
  readLocation(window.location.search);
  void labStatus().then((status) => setServerVisibility(status?.solutions));
}

const module: ClientModule = {
  onRouteDidUpdate({location, previousLocation}) {
    if (previousLocation && location.search !== previousLocation.search) readLocation(location.search);
  },
};

export default module;
