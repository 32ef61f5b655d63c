// ProcessRuntime's calls to engines (health probes, adapter loads and unloads). They run on
// their own pools and post each answer back under mu_, so the supervisor never waits for an
// engine: a 60 s adapter load or a hung health check delays no crash detection, restart or
// SIGKILL of any replica.
#include <condition_variable>
#include <mutex>

#include "runtime/process/process_runtime.h"

namespace berth {

void ProcessRuntime::SubmitEngineCalls(std::vector<ProbeJob> probes,
                                       std::vector<AdapterJob> adapter_jobs) {
  for (ProbeJob& job : probes) {
    probe_pool_->Submit([this, job = std::move(job)]() mutable {
      {
        std::lock_guard lock(mu_);
        if (stopping_) return;
      }
      job.healthy = probe_->Healthy(job.port, job.path, job.timeout);
      // A probe berth could not even send (out of descriptors) says nothing about the engine.
      job.looked = job.healthy || CanOpenDescriptor();
      std::lock_guard lock(mu_);
      ApplyProbe(job, clock_.MonotonicNow());
    });
  }
  for (AdapterJob& job : adapter_jobs) {
    adapter_pool_->Submit([this, job = std::move(job)]() mutable {
      {
        std::lock_guard lock(mu_);
        if (stopping_) return;
      }
      job.result = job.load ? probe_->EnsureAdapter({job.port, job.kind}, job.name, job.path,
                                                    options_.adapter_timeout)
                            : probe_->RemoveAdapter({job.port, job.kind}, job.name,
                                                    options_.adapter_timeout);
      std::lock_guard lock(mu_);
      ApplyAdapterJob(job, clock_.MonotonicNow());
    });
  }
}

void ProcessRuntime::ProbeAndWait(std::vector<ProbeJob>& probes) {
  std::mutex done_mu;
  std::condition_variable done_cv;
  size_t done = 0;
  for (ProbeJob& job : probes) {
    probe_pool_->Submit([&, job_ptr = &job] {
      job_ptr->healthy = probe_->Healthy(job_ptr->port, job_ptr->path, job_ptr->timeout);
      std::lock_guard lock(done_mu);
      ++done;
      done_cv.notify_all();
    });
  }
  std::unique_lock lock(done_mu);
  done_cv.wait(lock, [&] { return done == probes.size(); });
}

}  // namespace berth
