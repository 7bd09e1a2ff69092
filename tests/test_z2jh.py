"""deploy/z2jh: the Zero to JupyterHub config of a class, held to the measurements and to the chart.

CHART_KEYS are the keys config.yaml may use, from the values.schema.yaml of the jupyterhub/jupyterhub
chart (hub_sizing.CHART_VERSION); a key not among them (misspelt, or of another chart version)
fails. The memory numbers must be those hub_sizing derives from docs/measurements.json.
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
from hub_check import HUB_PACKAGES, repo_folder
from jupyter_core.paths import SYSTEM_CONFIG_PATH
from jupyter_server.services.kernels.kernelmanager import MappingKernelManager
from navigation import repository_url

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy" / "z2jh"
CONFIG = hub_sizing.read_config(DEPLOY / "config.yaml")
PASSED_ON = "passed on"  # a mapping the chart hands on as it is (to Kubernetes, to Jupyter)
ANY_NAME = "*"


def leaves(*names):
    return dict.fromkeys(names)


CHART_KEYS = {  # jupyterhub/jupyterhub 4.4.0, values.schema.yaml
    "singleuser": {
        "image": leaves("name", "tag", "pullPolicy", "pullSecrets"),
        "memory": leaves("guarantee", "limit"),
        "cpu": leaves("guarantee", "limit"),
        **leaves("defaultUrl", "cmd", "startTimeout"),
        "extraEnv": PASSED_ON,
        "extraFiles": {
            ANY_NAME: {**leaves("mountPath", "stringData", "binaryData", "mode"), "data": PASSED_ON}
        },
        "lifecycleHooks": {"postStart": PASSED_ON, "preStop": PASSED_ON},
        "storage": leaves("type", "capacity", "homeMountPath"),
    },
    "cull": leaves(
        "enabled", "users", "adminUsers", "removeNamedServers", "timeout", "every", "concurrency", "maxAge"
    ),
    "scheduling": {
        "userScheduler": leaves("enabled", "replicas"),
        "podPriority": leaves(
            "enabled", "globalDefault", "defaultPriority", "imagePullerPriority", "userPlaceholderPriority"
        ),
        "userPlaceholder": {**leaves("enabled", "replicas"), "resources": PASSED_ON},
    },
    "prePuller": {
        "hook": leaves("enabled", "pullOnlyOnChanges"),
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


def test_config_uses_only_the_charts_keys():
    assert unknown_keys(CONFIG, CHART_KEYS) == [], f"not keys of chart {hub_sizing.CHART_VERSION}"


@pytest.mark.parametrize(
    ("section", "wrong"), [("singleuser", "memroy"), ("cull", "timout"), ("scheduling", "userPlaceHolder")]
)
def test_a_misspelt_key_is_caught(section, wrong):
    config = copy.deepcopy(CONFIG)
    config[section][wrong] = {"enabled": True}
    assert unknown_keys(config, CHART_KEYS) == [f"{section}.{wrong}"]


def test_memory_per_student_is_derived_from_the_measurements():
    needed = hub_sizing.student_memory()
    memory = CONFIG["singleuser"]["memory"]
    assert (str(memory["guarantee"]), str(memory["limit"])) == (needed["guarantee"], needed["limit"]), (
        f"set singleuser.memory in deploy/z2jh/config.yaml to {needed} (from docs/measurements.json)"
    )
    # the largest lesson and the server fit the guarantee; every lesson met its goal
    lesson_bytes = (needed["lesson_mb"] + hub_sizing.SERVER_MB) * 1e6
    assert hub_sizing.bytes_of(memory["guarantee"]) >= lesson_bytes
    assert needed["lesson_mb"] <= memory_limit.GOAL_MB


def test_student_memory_follows_the_largest_lesson_and_refuses_a_missing_one():
    lessons = {"06_training.ipynb": {"limit_mb": 850}, "01_relu.ipynb": {"limit_mb": 100}}
    assert hub_sizing.student_memory(lessons) == {
        "lesson": "06_training.ipynb",
        "lesson_mb": 850,
        "guarantee": "1024M",  # 1,050 MB = 1,001 MiB, up to 128 MiB steps
        "limit": "1664M",
    }  # 1,650 MB = 1,574 MiB
    with pytest.raises(ValueError, match="make memory-limits"):
        hub_sizing.student_memory({**lessons, "09_full_code.ipynb": {"limit_mb": None}})


def test_memory_sizes_read_as_jupyterhub_reads_them():
    assert hub_sizing.bytes_of("1280M") == 1280 * 1024**2
    assert hub_sizing.bytes_of("1.5G") == 1536 * 1024**2
    assert hub_sizing.bytes_of(1000) == 1000
    with pytest.raises(ValueError, match="K, M, G or T"):
        hub_sizing.bytes_of("1.5Gi")  # Kubernetes' notation, which JupyterHub does not read


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
    assert repo == repository_url() and folder == repo_folder(repo)
    assert branch in ("main", instructor_guide.STUDENT_BRANCH)
    link = instructor_guide.nbgitpuller_link("https://hub.example.org", repo, branch)
    assert f"lab%2Ftree%2F{folder}%2F" in link


def test_the_image_has_the_nbgitpuller_hub_check_runs_and_mnist_outside_home():
    image_pins = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))["dependencies"]
    pip = next(entry["pip"] for entry in image_pins if isinstance(entry, dict))
    assert [pin for pin in pip if pin.startswith("nbgitpuller==")] == [
        package for package in HUB_PACKAGES if package.startswith("nbgitpuller==")
    ]
    appendix = (DEPLOY / "image-appendix.dockerfile").read_text(encoding="utf-8")
    home = CONFIG["singleuser"].get("storage", {}).get("homeMountPath", "/home/jovyan")
    copied_to = re.search(
        r'^RUN cp "\$\{HOME\}/\.keras/datasets/mnist\.npz" "([^"]+)"$', appendix, re.MULTILINE
    ).group(1)
    assert re.search(r"^ENV MNIST_NPZ=(\S+)$", appendix, re.MULTILINE).group(1) == copied_to
    readme = (DEPLOY / "README.md").read_text(encoding="utf-8")
    target = re.search(r"--target-repo-dir (\S+)", readme).group(1)
    assert not target.startswith(home), "the student's volume would hide the course's MNIST"


def test_placeholders_can_be_evicted_and_images_are_pulled_ahead():
    scheduling = CONFIG["scheduling"]
    one_node = hub_sizing.class_sizing(CONFIG, 1)["per_node"]
    assert scheduling["userPlaceholder"]["replicas"] == one_node, (
        f"keep one node of room for latecomers: userPlaceholder.replicas = {one_node}"
    )
    assert scheduling["userPlaceholder"]["enabled"] and scheduling["userPlaceholder"]["replicas"] >= 1
    assert scheduling["podPriority"]["enabled"], "placeholders without pod priority are never evicted"
    assert CONFIG["prePuller"]["hook"]["enabled"] and CONFIG["prePuller"]["continuous"]["enabled"]


def test_readme_installs_the_chart_version_the_keys_come_from():
    readme = (DEPLOY / "README.md").read_text(encoding="utf-8")
    assert f"--version {hub_sizing.CHART_VERSION}" in readme
    assert f"chart jupyterhub/jupyterhub {hub_sizing.CHART_VERSION}" in (DEPLOY / "config.yaml").read_text()
    assert '--appendix "$(cat deploy/z2jh/image-appendix.dockerfile)"' in readme


def table_rows(text):
    """{first cell: the other cells} of the markdown table rows in ``text``: what they say, not how."""
    rows = [
        [c.strip() for c in line.strip().strip("|").split("|")]
        for line in text.splitlines()
        if line.startswith("|")
    ]
    return {row[0]: row[1:] for row in rows}


def class_config(cpu_guarantee=0.25):
    return {
        "singleuser": {
            "memory": {"guarantee": "1280M", "limit": "1920M"},
            "cpu": {"guarantee": cpu_guarantee, "limit": 2},
            "extraFiles": {"k": {"data": {"MappingKernelManager": {"cull_idle_timeout": 1200}}}},
        },
        "cull": {"timeout": 1800},
        "scheduling": {"userPlaceholder": {"replicas": 20}},
    }


def test_class_sizing_fills_nodes_by_memory_or_cpu_and_the_guide_says_so_for_each_class():
    sized = hub_sizing.class_sizing(class_config(), 30)
    assert (sized["per_node"], sized["bound"], sized["nodes"]) == (20, "memory", 2)  # 28 GB / 1.34 GB
    assert sized["nodes_with_placeholders"] == 3 and sized["placeholders_before"] == 30
    sized = hub_sizing.class_sizing(class_config(cpu_guarantee=1), 100)
    assert (sized["per_node"], sized["bound"], sized["nodes"]) == (7, "CPU", 15)  # 7.5 CPUs / 1
    text = hub_sizing.z2jh_section(class_config())
    assert "학생 **20명**" in text  # 28 GB for students on a node / 1,280 MiB
    rows = table_rows(text)  # students: nodes, with placeholders, guarantees and limits a node, placeholders
    assert rows["30"] == ["2", "3", "26.8 GB", "40.3 GB", "30", "20"]
    assert rows["300"] == ["15", "16", "26.8 GB", "40.3 GB", "300", "20"]
    assert "20분" in text and "30분 동안 쓰지 않은 서버" in text


# --- the instructor guide's sections from the measurements and the config -----------------------


def limits(**lessons):
    record = {"range_mb": [50, 1600], "seconds": 9.5, "unpressured_seconds": 8.0, "peak_rss_mb": 1000}
    return {
        "cgroup": "v1",
        "cores": 2,
        "commit": "abc1234",
        "lessons": {
            name: {**record, "limit_mb": mb, "at_floor": mb == 50, "measured": f"2026-12-01 0{i}:00 UTC"}
            for i, (name, mb) in enumerate(lessons.items())
        },
    }


def test_memory_section_sizes_a_student_from_the_largest_lesson_limit():
    text = hub_sizing.memory_section(limits(**{"01_relu.ipynb": 50, "06_training.ipynb": 850}))
    assert table_rows(text)["01_relu.ipynb"] == ["≤ 50 MB", "9.5 초", "8.0 초", "1,000 MB"]
    assert "**850 MB** (06_training.ipynb)" in text
    assert 'mem_guarantee = "1024M"' in text  # 850 + 200 MB server = 1,050 MB, up to 128 MiB steps
    assert 'mem_limit = "1664M"' in text  # + 600 MB for a second kernel left open
    assert "2026-12-01 00:00 UTC–01:00 UTC" in text


def test_memory_section_says_what_is_missing():
    assert "make memory-limits" in hub_sizing.memory_section({"lessons": {}})
    unfinished = limits(**{"06_training.ipynb": None})
    unfinished["lessons"]["06_training.ipynb"]["seconds"] = None
    text = hub_sizing.memory_section(unfinished)
    assert "1,600 MB에서도 끝나지 않음" in text and "학생 한 명의 메모리를 정할 수 없습니다" in text
