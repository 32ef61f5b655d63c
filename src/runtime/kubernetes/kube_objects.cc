#include "runtime/kubernetes/kube_objects.h"

#include "common/sha256.h"
#include "core/engine_template.h"

namespace berth {
namespace {

using Json = nlohmann::json;

std::string Str(const Json& obj, const char* key) {
  if (!obj.is_object() || !obj.contains(key) || !obj[key].is_string()) return "";
  return obj[key].get<std::string>();
}

const Json& At(const Json& obj, const char* key) {
  static const Json kNull;
  if (!obj.is_object() || !obj.contains(key)) return kNull;
  return obj[key];
}

StatusOr<Json> Expand(const std::vector<std::string>& items, const TemplateValues& values) {
  Json out = Json::array();
  for (const std::string& item : items) {
    ASSIGN_OR_RETURN(std::string text, ExpandTemplate(item, values));
    out.push_back(text);
  }
  return out;
}

Json Resources(const ReplicaSpec& spec, const KubePodTemplate& t) {
  auto it = t.unit_resources.find(spec.unit_spec);
  if (it == t.unit_resources.end()) it = t.unit_resources.find("*");
  Json amounts = Json::object();
  if (it != t.unit_resources.end()) {
    for (const auto& [name, count] : it->second) {
      if (count > 0) amounts[name] = std::to_string(count * std::max(spec.units, 1));
    }
  }
  return {{"limits", amounts}, {"requests", amounts}};
}

Json Probe(const KubePodTemplate& t, const char* kind, int period, int failures) {
  if (t.probes.contains(kind)) return t.probes[kind];
  return {{"httpGet", {{"path", t.health_path}, {"port", t.port}}},
          {"periodSeconds", period},
          {"failureThreshold", failures},
          {"timeoutSeconds", 5}};
}

StatusOr<Json> Container(const ReplicaSpec& spec, const KubePodTemplate& t) {
  TemplateValues values;
  values.port = t.port;
  values.served_model_name = spec.deployed_model;
  values.model_name = spec.model_name;
  values.units = spec.units;
  values.replica_id = "$(POD_NAME)";
  ASSIGN_OR_RETURN(values.model_path, ExpandTemplate(t.model_path, values));
  Json c = {{"name", "engine"}, {"image", t.image}};
  if (!t.command.empty()) {
    ASSIGN_OR_RETURN(c["command"], Expand(t.command, values));
  }
  if (!t.args.empty()) {
    ASSIGN_OR_RETURN(c["args"], Expand(t.args, values));
  }
  Json env = Json::array(
      {{{"name", "POD_NAME"}, {"valueFrom", {{"fieldRef", {{"fieldPath", "metadata.name"}}}}}}});
  for (const auto& [name, value] : t.env) {
    ASSIGN_OR_RETURN(std::string text, ExpandTemplate(value, values));
    env.push_back({{"name", name}, {"value", text}});
  }
  c["env"] = env;
  c["ports"] = Json::array({{{"name", "http"}, {"containerPort", t.port}}});
  c["resources"] = Resources(spec, t);
  c["startupProbe"] = Probe(t, "startupProbe", 10, t.startup_failure_threshold);
  c["readinessProbe"] = Probe(t, "readinessProbe", 2, 2);
  c["livenessProbe"] = Probe(t, "livenessProbe", 10, 6);
  if (t.pre_stop_sleep_seconds > 0) {
    c["lifecycle"] = {
        {"preStop",
         {{"exec",
           {{"command", Json::array({"sleep", std::to_string(t.pre_stop_sleep_seconds)})}}}}}};
  }
  if (!t.volume_mounts.empty()) c["volumeMounts"] = t.volume_mounts;
  return c;
}

}  // namespace

std::string LabelValue(const std::string& text) {
  std::string out;
  for (char ch : text) {
    bool ok = isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' || ch == '.';
    out.push_back(ok ? ch : '_');
    if (out.size() == 63) break;
  }
  while (!out.empty() && !isalnum(static_cast<unsigned char>(out.back()))) out.pop_back();
  while (!out.empty() && !isalnum(static_cast<unsigned char>(out.front()))) out.erase(0, 1);
  return out;
}

std::string KubeObjectName(const std::string& deployed_model, const std::string& uid) {
  std::string name;
  for (char ch : deployed_model) {
    char c = static_cast<char>(tolower(static_cast<unsigned char>(ch)));
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (ok)
      name.push_back(c);
    else if (!name.empty() && name.back() != '-')
      name.push_back('-');
    if (name.size() >= 40) break;
  }
  while (!name.empty() && name.back() == '-') name.pop_back();
  if (name.empty() || !isalpha(static_cast<unsigned char>(name[0]))) name = "m-" + name;
  return name + "-" + Sha256Hex(uid).substr(0, 8);
}

StatusOr<Json> RenderDeployment(const ReplicaSpec& spec, const KubePodTemplate& t,
                                const std::string& kube_namespace) {
  std::string name = KubeObjectName(spec.deployed_model, spec.deployment_uid);
  Json labels = {{kManagedByLabel, "berth"},
                 {kUidLabel, LabelValue(spec.deployment_uid)},
                 {kModelLabel, LabelValue(spec.deployed_model)}};
  Json annotations = {{kModelAnnotation, spec.deployed_model},
                      {"berth.dev/units", std::to_string(spec.units)}};
  ASSIGN_OR_RETURN(Json container, Container(spec, t));
  Json pod_spec = {{"containers", Json::array({container})},
                   {"terminationGracePeriodSeconds", t.termination_grace_seconds},
                   {"enableServiceLinks", false}};
  if (!t.node_selector.empty()) pod_spec["nodeSelector"] = t.node_selector;
  if (!t.tolerations.empty()) pod_spec["tolerations"] = t.tolerations;
  if (!t.volumes.empty()) pod_spec["volumes"] = t.volumes;
  return Json{
      {"apiVersion", "apps/v1"},
      {"kind", "Deployment"},
      {"metadata",
       {{"name", name},
        {"namespace", kube_namespace},
        {"labels", labels},
        {"annotations", annotations}}},
      {"spec",
       {{"selector", {{"matchLabels", {{kUidLabel, LabelValue(spec.deployment_uid)}}}}},
        {"progressDeadlineSeconds", 1200},
        {"template",
         {{"metadata", {{"labels", labels}, {"annotations", annotations}}}, {"spec", pod_spec}}}}}};
}

void MarkPoolObject(Json& object, const std::string& base_model) {
  for (Json* meta : {&object["metadata"], &object["spec"]["template"]["metadata"]}) {
    (*meta)["labels"][kPoolLabel] = "true";
    (*meta)["annotations"][kPoolBaseAnnotation] = base_model;
    (*meta)["annotations"][kModelAnnotation] = kPoolModelPrefix + base_model;
  }
}

bool IsFatalWaiting(const std::string& reason) {
  return reason == "ImagePullBackOff" || reason == "ErrImagePull" || reason == "CrashLoopBackOff" ||
         reason == "InvalidImageName" || reason == "CreateContainerConfigError" ||
         reason == "CreateContainerError";
}

std::string AdapterAnnotation(const std::string& uid) {
  return kAdapterAnnotationPrefix + LabelValue(uid);
}

std::string AdapterAnnotationValue(int restarts, const std::string& deployed_model) {
  return std::to_string(restarts) + " " + deployed_model;
}

namespace {

void ReadPoolAnnotations(const Json& annotations, PodView& p) {
  if (!annotations.is_object()) return;
  p.pool_base = Str(annotations, kPoolBaseAnnotation);
  const std::string_view prefix = kAdapterAnnotationPrefix;
  for (const auto& [key, value] : annotations.items()) {
    if (!key.starts_with(prefix) || !value.is_string()) continue;
    const std::string& text = value.get_ref<const std::string&>();
    size_t space = text.find(' ');
    if (space == std::string::npos || space == 0) continue;
    p.adapters[key.substr(prefix.size())] = {atoi(text.c_str()), text.substr(space + 1)};
  }
}

}  // namespace

PodView ReadPod(const Json& pod) {
  PodView p;
  const Json& meta = At(pod, "metadata");
  const Json& status = At(pod, "status");
  p.name = Str(meta, "name");
  p.resource_version = Str(meta, "resourceVersion");
  p.created = Str(meta, "creationTimestamp");
  p.uid_label = Str(At(meta, "labels"), kUidLabel);
  p.deployed_model = Str(At(meta, "annotations"), kModelAnnotation);
  std::string units = Str(At(meta, "annotations"), "berth.dev/units");
  p.units = units.empty() ? 1 : std::max(1, atoi(units.c_str()));
  p.terminating = meta.is_object() && meta.contains("deletionTimestamp") &&
                  !meta["deletionTimestamp"].is_null();
  p.node = Str(At(pod, "spec"), "nodeName");
  ReadPoolAnnotations(At(meta, "annotations"), p);
  const Json& containers = At(At(pod, "spec"), "containers");
  if (containers.is_array() && !containers.empty()) {
    const Json& ports = At(containers[0], "ports");
    if (ports.is_array() && !ports.empty() && ports[0].is_object()) {
      const Json& port = At(ports[0], "containerPort");
      if (port.is_number_integer()) p.port = port.get<int>();
    }
  }
  p.ip = Str(status, "podIP");
  p.phase = Str(status, "phase");
  for (const Json& c :
       At(status, "conditions").is_array() ? At(status, "conditions") : Json::array()) {
    std::string type = Str(c, "type");
    if (type == "Ready") p.ready = Str(c, "status") == "True";
    if (type == "PodScheduled" && Str(c, "status") == "False" &&
        Str(c, "reason") == "Unschedulable") {
      p.unschedulable = true;
      p.schedule_message = Str(c, "message");
    }
  }
  const Json& statuses = At(status, "containerStatuses");
  for (const Json& cs : statuses.is_array() ? statuses : Json::array()) {
    if (cs.contains("restartCount") && cs["restartCount"].is_number_integer()) {
      p.restarts += cs["restartCount"].get<int>();
    }
    const Json& waiting = At(At(cs, "state"), "waiting");
    if (waiting.is_object() && p.waiting_reason.empty()) {
      p.waiting_reason = Str(waiting, "reason");
      p.waiting_message = Str(waiting, "message");
    }
    const Json& last = At(At(cs, "lastState"), "terminated");
    if (last.is_object()) {
      p.last_error = Str(last, "reason");
      std::string message = Str(last, "message");
      if (!message.empty()) p.last_error += ": " + message;
      if (last.contains("exitCode")) p.last_error += " (exit code " + last["exitCode"].dump() + ")";
    }
  }
  return p;
}

}  // namespace berth
