"""deploy/z2jh: the Zero to JupyterHub config of a class, held to the measurements and to the chart.

CHART_KEYS are the keys config.yaml may use, from the values.schema.yaml of the jupyterhub/jupyterhub
chart (hub_sizing.CHART_VERSION): a key not among them (misspelt, or of another version) fails.
"""

import copy
import re
import shlex
from pathlib import Path

import hub_sizing
import instructor_guide
import memory_limit
import pytest
import yaml
from hub_check import HUB_PACKAGES
from jupyter_core.paths import SYSTEM_CONFIG_PATH
from jupyter_server.services.kernels.kernelmanager import MappingKernelManager
from markdown_tables import tables
from navigation import ROOT, repository_url

DEPLOY = ROOT / "deploy" / "z2jh"
CONFIG = hub_sizing.read_config()
PASSED_ON = "passed on"  # a mapping the chart hands on as it is (to Kubernetes, to Jupyter)
ANY_NAME = "*"


def leaves(names):
    return dict.fromkeys(names.split())


CHART_KEYS = {  # jupyterhub/jupyterhub 4.4.0, values.schema.yaml
    "singleuser": {
        "image": leaves("name tag pullPolicy pullSecrets"),
        "memory": leaves("guarantee limit"),
        "cpu": leaves("guarantee limit"),
        **leaves("defaultUrl cmd startTimeout"),
        "extraEnv": PASSED_ON,
        "extraFiles": {ANY_NAME: {**leaves("mountPath stringData binaryData mode"), "data": PASSED_ON}},
        "lifecycleHooks": {"postStart": PASSED_ON, "preStop": PASSED_ON},
        "storage": leaves("type capacity homeMountPath"),
    },
    "cull": leaves("enabled users adminUsers removeNamedServers timeout every concurrency maxAge"),
    "scheduling": {
        "userScheduler": leaves("enabled replicas"),
        "podPriority": leaves(
            "enabled globalDefault defaultPriority imagePullerPriority userPlaceholderPriority"
        ),
        "userPlaceholder": {**leaves("enabled replicas"), "resources": PASSED_ON},
    },
    "prePuller": {
        "hook": leaves("enabled pullOnlyOnChanges"),
        "continuous": leaves("enabled"),
        "pullProfileListImages": None,
        "extraImages": PASSED_ON,
    },
    "hub": {"config": PASSED_ON},
}
UNKNOWN = object()


def unknown_keys(values, keys, where=""):
    """Dotted paths of the keys in ``values`` that ``keys`` does not document."""
    found = []
    for key, value in values.items():
        path = f"{where}.{key}" if where else key
        spec = keys.get(key, keys.get(ANY_NAME, UNKNOWN))
        if spec is UNKNOWN:
            found.append(path)
        elif isinstance(spec, dict):
            found += (
                unknown_keys(value, spec, path) if isinstance(value, dict) else [f"{path} (not a mapping)"]
            )
    return found


def test_config_uses_only_the_charts_keys_and_a_misspelt_one_is_caught():
    assert unknown_keys(CONFIG, CHART_KEYS) == [], f"not keys of chart {hub_sizing.CHART_VERSION}"
    config = copy.deepcopy(CONFIG)
    config["singleuser"]["memory"]["limt"] = config["cull"]["timout"] = 60
    config["scheduling"]["userPlaceHolder"] = {"enabled": True}
    wrong = ["singleuser.memory.limt", "cull.timout", "scheduling.userPlaceHolder"]
    assert unknown_keys(config, CHART_KEYS) == wrong


def test_memory_per_student_and_placeholders_are_derived_from_the_measurements():
    needed, memory = hub_sizing.student_memory(), CONFIG["singleuser"]["memory"]
    assert (str(memory["guarantee"]), str(memory["limit"])) == (needed["guarantee"], needed["limit"]), (
        f"set singleuser.memory in deploy/z2jh/config.yaml to {needed} (from docs/measurements.json)"
    )
    assert needed["lesson_mb"] <= memory_limit.GOAL_MB
    scheduling, one_node = CONFIG["scheduling"], hub_sizing.class_sizing(CONFIG, 1)["per_node"]
    assert scheduling["userPlaceholder"]["replicas"] == one_node, f"room for latecomers: {one_node}"
    assert scheduling["podPriority"]["enabled"], "placeholders without pod priority are never evicted"


def test_kernel_culling_uses_jupyter_servers_names_and_ends_before_the_server():
    (kernel_culling,) = CONFIG["singleuser"]["extraFiles"].values()
    mount = Path(kernel_culling["mountPath"])
    assert str(mount.parent) in SYSTEM_CONFIG_PATH and mount.name == "jupyter_server_config.json"
    settings = kernel_culling["data"]["MappingKernelManager"]
    assert set(settings) <= set(MappingKernelManager.class_trait_names(config=True))
    assert settings["cull_interval"] < settings["cull_idle_timeout"] < CONFIG["cull"]["timeout"]
    assert CONFIG["cull"]["enabled"] and CONFIG["cull"]["every"] < CONFIG["cull"]["timeout"]


def test_each_start_pulls_this_course_into_the_folder_the_guides_links_open():
    command = CONFIG["singleuser"]["lifecycleHooks"]["postStart"]["exec"]["command"]
    words = shlex.split(command[-1])
    assert words[0] == "gitpuller" and words[-2:] == ["||", "true"]  # a failed pull must not stop the server
    repo, branch, folder = words[1:4]
    assert repo == repository_url() and branch in ("main", instructor_guide.STUDENT_BRANCH)
    link = instructor_guide.nbgitpuller_link("https://hub.example.org", repo, branch)
    assert f"lab%2Ftree%2F{folder}%2F" in link


def test_the_image_has_the_chart_hub_check_runs_its_nbgitpuller_and_mnist_outside_home():
    readme = (DEPLOY / "README.md").read_text(encoding="utf-8")
    assert f"--version {hub_sizing.CHART_VERSION}" in readme  # the version CHART_KEYS come from
    image_pins = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))["dependencies"]
    pip = next(entry["pip"] for entry in image_pins if isinstance(entry, dict))
    nbgitpuller = [pin for pin in [*pip, *HUB_PACKAGES] if pin.startswith("nbgitpuller==")]
    assert len(nbgitpuller) == 2 and len(set(nbgitpuller)) == 1
    appendix = (DEPLOY / "image-appendix.dockerfile").read_text(encoding="utf-8")
    copied_to = re.search(r'^RUN cp "\S+/mnist\.npz" "([^"]+)"$', appendix, re.M).group(1)
    assert re.search(r"^ENV MNIST_NPZ=(\S+)$", appendix, re.M).group(1) == copied_to
    home = CONFIG["singleuser"].get("storage", {}).get("homeMountPath", "/home/jovyan")
    target = re.search(r"--target-repo-dir (\S+)", readme).group(1)
    assert not target.startswith(home), "the student's volume would hide the course's MNIST"


def test_class_sizing_fills_nodes_by_memory_or_cpu_read_as_jupyterhub_reads_sizes_and_the_guide_says_so():
    memory = {"guarantee": "1280M", "limit": "1920M"}  # M = MiB: 20 guarantees fit 28 GB, not 21
    kernels = {"k": {"data": {"MappingKernelManager": {"cull_idle_timeout": 1200}}}}
    config = {"singleuser": {"memory": memory, "cpu": {"guarantee": 0.25, "limit": 2}, "extraFiles": kernels}}
    config |= {"cull": {"timeout": 1800}, "scheduling": {"userPlaceholder": {"replicas": 20}}}
    text = hub_sizing.z2jh_section(config)
    assert "학생 **20명**이 들어갑니다(메모리 보장이 먼저" in text
    assert "20분 동안 실행하지 않은 커널" in text and "30분 동안 쓰지 않은 서버" in text
    # students: nodes, with placeholders, guarantees and limits a node, placeholders before and during
    rows = [list(row.values()) for row in tables(text)[0]]
    assert rows[0] == ["30", "2", "3", "26.8 GB", "40.3 GB", "30", "20"]
    assert rows[2] == ["300", "15", "16", "26.8 GB", "40.3 GB", "300", "20"]
    config["singleuser"]["cpu"]["guarantee"] = 1
    sized = hub_sizing.class_sizing(config, 100)
    assert (sized["per_node"], sized["bound"], sized["nodes"]) == (7, "CPU", 15)  # 7.5 CPUs / 1
    assert hub_sizing.bytes_of("1.5G") == 1536 * 1024**2 and hub_sizing.bytes_of(1000) == 1000
    with pytest.raises(ValueError, match="K, M, G or T"):
        hub_sizing.bytes_of("1.5Gi")  # Kubernetes' notation, which JupyterHub does not read


def test_memory_section_sizes_a_student_from_the_largest_lesson_limit_or_says_what_is_missing():
    record = {"range_mb": [50, 1600], "seconds": 9.5, "unpressured_seconds": 8.0, "peak_rss_mb": 1000}
    lessons = {
        name: {**record, "limit_mb": mb, "at_floor": mb == 50, "measured": f"2026-12-01 0{i}:00 UTC"}
        for i, (name, mb) in enumerate({"01_relu.ipynb": 50, "06_training.ipynb": 850}.items())
    }
    text = hub_sizing.memory_section({"cgroup": "v1", "cores": 2, "commit": "abc1234", "lessons": lessons})
    assert list(tables(text)[0][0].values()) == ["01_relu.ipynb", "≤ 50 MB", "9.5 초", "8.0 초", "1,000 MB"]
    assert "**850 MB** (06_training.ipynb)" in text and "2026-12-01 00:00 UTC–01:00 UTC" in text
    # 850 + 200 MB server = 1,050 MB = 1,001 MiB, up to 128 MiB steps; + 600 MB for a second kernel
    assert 'mem_guarantee = "1024M"' in text and 'mem_limit = "1664M"' in text
    assert "make memory-limits" in hub_sizing.memory_section({"lessons": {}})
    lessons["06_training.ipynb"] |= {"limit_mb": None, "seconds": None}
    text = hub_sizing.memory_section({"lessons": lessons})
    assert "1,600 MB에서도 끝나지 않음" in text
    assert "정할 수 없습니다: no memory limit measured for ['06_training.ipynb']" in text
