import { LoadingState } from '@/components/ui/page-header';

export default function Loading() {
  return <LoadingState title="this page" />;
}
