// The page component for a route.
import type { Session } from './api-types.js';
import { FarmPage } from './pages/farm-page.js';
import { FarmsPage } from './pages/farms-page.js';
import { HaPage } from './pages/ha-page.js';
import { JobPage } from './pages/job-page.js';
import { JobsPage } from './pages/jobs-page.js';
import { NodesPage } from './pages/nodes-page.js';
import { OverviewPage } from './pages/overview-page.js';
import { ServicesPage } from './pages/services-page.js';
import { BASE, type Route } from './routes.js';

export function Page({ route, session }: { route: Route; session: Session }) {
  switch (route.page) {
    case 'overview':
      return <OverviewPage />;
    case 'jobs':
      return <JobsPage search={route.search} />;
    case 'job':
      return <JobPage id={route.id} session={session} />;
    case 'nodes':
      return <NodesPage session={session} />;
    case 'farms':
      return <FarmsPage />;
    case 'farm':
      return <FarmPage id={route.id} session={session} />;
    case 'services':
      return <ServicesPage />;
    case 'ha':
      return <HaPage />;
    case 'missing':
      return (
        <>
          <h1>Not found</h1>
          <p>
            No page at <code>{route.path}</code>. <a href={`${BASE}/`}>Go to the overview</a>.
          </p>
        </>
      );
  }
}
