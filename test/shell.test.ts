import { describe, it, expect, beforeAll, vi } from "vitest";
import { analyzeShell, initShellParser } from "../src/graph/shell.js";

beforeAll(async () => {
  await initShellParser();
});

const facts = analyzeShell;

describe("flagship deck steps", () => {
  it("computes the registry address from a command substitution", () => {
    const f = facts("NODEPORT=$(kubectl get svc/registry -o json | jq .spec.ports[0].nodePort)\nREGISTRY=127.0.0.1:$NODEPORT");
    expect(f.defines).toEqual(["NODEPORT", "REGISTRY"]);
    expect(f.uses).toEqual([]);
    expect(f.programs).toEqual(["kubectl", "jq"]);
    expect(f.commands).toEqual([
      ["kubectl", "get", "svc/registry", "-o", "json"],
      ["jq", ".spec.ports[0].nodePort"],
    ]);
    expect(f.changesCwd).toBe(false);
    expect(f.syntaxError).toBe(false);
  });

  it("queries the registry", () => {
    const f = facts("curl $REGISTRY/v2/_catalog");
    expect(f.uses).toEqual(["REGISTRY"]);
    expect(f.defines).toEqual([]);
    expect(f.programs).toEqual(["curl"]);
    expect(f.commands).toEqual([["curl", "$REGISTRY/v2/_catalog"]]);
  });

  it("re-exports REGISTRY and sets TAG before a compose build", () => {
    const f = facts("export REGISTRY\nexport TAG=v0.1\ndocker-compose -f dockercoins.yml build");
    expect(f.defines).toEqual(["REGISTRY", "TAG"]);
    expect(f.uses).toEqual(["REGISTRY"]);
    expect(f.programs).toEqual(["docker-compose"]);
  });

  it("creates one deployment per service", () => {
    const text = "for SERVICE in hasher rng webui worker; do\n  kubectl create deployment $SERVICE --image=$REGISTRY/$SERVICE:$TAG\ndone";
    const f = facts(text);
    expect(f.defines).toEqual(["SERVICE"]);
    expect(f.uses).toEqual(["REGISTRY", "TAG"]);
    expect(f.programs).toEqual(["kubectl"]);
    expect(f.commands).toEqual([["kubectl", "create", "deployment", "$SERVICE", "--image=$REGISTRY/$SERVICE:$TAG"]]);
    expect(f.images).toEqual([{ ref: "$REGISTRY/$SERVICE:$TAG", offset: text.indexOf("$REGISTRY/") }]);
  });

  it("pushes busybox to the registry", () => {
    const text = "docker pull busybox\ndocker tag busybox $REGISTRY/busybox\ndocker push $REGISTRY/busybox";
    const f = facts(text);
    expect(f.images.map((i) => i.ref)).toEqual(["busybox", "busybox", "$REGISTRY/busybox", "$REGISTRY/busybox"]);
    expect(f.images.map((i) => i.offset)).toEqual([12, 31, 39, text.lastIndexOf("$REGISTRY")]);
    expect(f.programs).toEqual(["docker"]);
    expect(f.uses).toEqual(["REGISTRY"]);
  });
});

describe("defines", () => {
  it("reads an assignment tree-sitter-bash splits in two (CN=$SERVICE.$NAMESPACE.svc, k8s/admission.md)", () => {
    const f = analyzeShell("NAMESPACE=webhooks\nSERVICE=admission\nCN=$SERVICE.$NAMESPACE.svc\nopenssl req -subj /CN=$CN");
    expect(f.defines).toEqual(["NAMESPACE", "SERVICE", "CN"]);
    expect(f.uses).toEqual([]);
    expect(f.programs).toEqual(["openssl"]);
    const alone = analyzeShell("CN=$SERVICE.$NAMESPACE.svc");
    expect(alone.defines).toEqual(["CN"]);
    expect(alone.uses).toEqual(["SERVICE", "NAMESPACE"]);
  });

  it("reads plain, exported, declared and appended assignments", () => {
    const f = facts("A=1 B=2; export C D=4; declare -a E=(x y); typeset F; local G=1; readonly H=2; X+=y");
    expect(f.defines).toEqual(["A", "B", "C", "D", "E", "F", "G", "H", "X"]);
    expect(f.uses).toEqual(["C", "X"]);
  });

  it("lists each variable once, in order", () => {
    expect(facts("B=1; A=2; B=3").defines).toEqual(["B", "A"]);
  });

  it("counts read, read -r, read -a, mapfile and readarray targets", () => {
    expect(facts('read -p "Name? " NAME').defines).toEqual(["NAME"]);
    expect(facts("read -r HOST PORT").defines).toEqual(["HOST", "PORT"]);
    expect(facts("read -ra PARTS <<< \"$LINE\"").defines).toEqual(["PARTS"]);
    expect(facts("read").defines).toEqual(["REPLY"]);
    expect(facts("mapfile -t NODES < <(kubectl get nodes -o name)").defines).toEqual(["NODES"]);
    expect(facts("readarray PODS").defines).toEqual(["PODS"]);
  });

  it("counts printf -v, let and ${X:=default}", () => {
    expect(facts('printf -v NOW "%(%s)T" -1').defines).toEqual(["NOW"]);
    expect(facts("let COUNT=COUNT+1").defines).toEqual(["COUNT"]);
    expect(facts(": ${REGISTRY:=127.0.0.1:5000}").defines).toEqual(["REGISTRY"]);
  });

  it("reads loop variables and arithmetic assignments", () => {
    const f = facts("for ((i=0; i<N; i++)); do echo $i; done; ((TOTAL=BASE+1))");
    expect(f.defines).toEqual(["i", "TOTAL"]);
    expect(f.uses).toEqual(["N", "BASE"]);
  });

  it("ignores assignments that do not outlive the command or the subshell", () => {
    expect(facts("KUBECONFIG=~/kubeconfig kubectl get nodes").defines).toEqual([]);
    expect(facts("(X=1; echo $X)").defines).toEqual([]);
    expect(facts("OUT=$(Y=2; echo $Y)").defines).toEqual(["OUT"]);
    expect(facts("kubectl get pods | while read LINE; do echo $LINE; done").defines).toEqual([]);
    expect(facts("setup() { CLUSTER=kind; }").defines).toEqual([]);
  });

  it("does not count export -f as a variable", () => {
    expect(facts("export -f retry").defines).toEqual([]);
  });
});

describe("uses", () => {
  it("finds every expansion form", () => {
    const f = facts('echo $A ${B} "$C" ${D:?missing} ${#E} ${F[0]} $(echo $G) "in $H" `echo $I` $((J+1)) ${!K}');
    expect(f.uses).toEqual(["A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K"]);
  });

  it("skips uses that follow a definition in the same text", () => {
    expect(facts("A=1; echo $A").uses).toEqual([]);
    expect(facts("N=$(kubectl get nodes -o name | wc -l); R=1:$N").uses).toEqual([]);
    expect(facts("while read LINE; do echo $LINE; done < nodes.txt").uses).toEqual([]);
  });

  it("counts a use evaluated before the assignment it feeds", () => {
    expect(facts("PATH=$PATH:~/bin").uses).toEqual(["PATH"]);
    expect(facts("for F in $FILES; do cat $F; done").uses).toEqual(["FILES"]);
  });

  it("counts uses in a pipeline after a define in another pipeline element", () => {
    expect(facts("X=1 | cat; echo $X").uses).toEqual(["X"]);
  });

  it("ignores special parameters", () => {
    expect(facts("echo $? $1 ${2} $@ $* $$ $# $! $- $_ ${10} ${#@}").uses).toEqual([]);
  });

  it("ignores single-quoted strings", () => {
    expect(facts("echo '$NOT_EXPANDED' $'\\n'").uses).toEqual([]);
  });

  it("expands unquoted heredocs only", () => {
    const unquoted = facts("kubectl apply -f- <<EOF\nspec:\n  image: $REGISTRY/hasher:$TAG\n  $INDENTED\n\t`echo $TICK`\nEOF");
    expect(unquoted.uses).toEqual(["REGISTRY", "TAG", "INDENTED", "TICK"]);
    expect(unquoted.programs).toEqual(["kubectl"]);
    expect(facts("cat <<'EOF'\n$NOPE\nEOF").uses).toEqual([]);
    expect(facts('cat <<"EOF"\n$NOPE\nEOF').uses).toEqual([]);
    expect(facts("cat <<\\EOF\n$NOPE\nEOF").uses).toEqual([]);
    expect(facts("cat <<-EOF\n\t$TABBED\n\tEOF").uses).toEqual(["TABBED"]);
  });

  it("counts heredocs inside command substitutions", () => {
    const f = facts("CONFIG=$(cat <<EOF\nserver: $SERVER\nEOF\n)");
    expect(f.uses).toEqual(["SERVER"]);
    expect(f.defines).toEqual(["CONFIG"]);
  });

  it("counts names in function bodies", () => {
    expect(facts("logs() { kubectl logs deploy/$1 -n $NAMESPACE; }").uses).toEqual(["NAMESPACE"]);
  });
});

describe("optionalUses", () => {
  it("lists variables used only with a default or alternative", () => {
    const f = facts("echo ${A-d} ${B:-d} ${C=d} ${D:=d} ${E+a} ${F:+a}");
    expect(f.optionalUses).toEqual(["A", "B", "C", "D", "E", "F"]);
    expect(f.uses).toEqual([]);
  });

  it("handles the compose-file style default", () => {
    const f = facts("echo ${TAG-latest}");
    expect(f.optionalUses).toEqual(["TAG"]);
    expect(f.uses).toEqual([]);
  });

  it("drops a variable that is also used without a default", () => {
    const f = facts("echo ${TAG:-latest} $TAG");
    expect(f.optionalUses).toEqual([]);
    expect(f.uses).toEqual(["TAG"]);
  });

  it("treats names in a default word as optional", () => {
    expect(facts('echo "${IMAGE:-$REGISTRY/worker}"').optionalUses).toEqual(["IMAGE", "REGISTRY"]);
  });
});

describe("changesCwd", () => {
  it("is true for a top-level cd, pushd or popd", () => {
    expect(facts("cd ~/container.training/stacks").changesCwd).toBe(true);
    expect(facts("pushd dockercoins").changesCwd).toBe(true);
    expect(facts("popd").changesCwd).toBe(true);
    expect(facts("git clone https://github.com/x/y && cd y").changesCwd).toBe(true);
    expect(facts("if [ -d y ]; then cd y; fi").changesCwd).toBe(true);
    expect(facts("{ cd /tmp; }").changesCwd).toBe(true);
    expect(facts("command cd /tmp").changesCwd).toBe(true);
  });

  it("is false in a subshell, substitution, pipeline, background job or function", () => {
    expect(facts("(cd /tmp && ls)").changesCwd).toBe(false);
    expect(facts("echo $(cd /tmp; pwd)").changesCwd).toBe(false);
    expect(facts("cd /tmp | cat").changesCwd).toBe(false);
    expect(facts("cd /tmp &").changesCwd).toBe(false);
    expect(facts("go() { cd /tmp; }").changesCwd).toBe(false);
    expect(facts("ls /tmp").changesCwd).toBe(false);
  });
});

describe("programs", () => {
  it("collects names across pipelines, lists, loops, conditions and substitutions", () => {
    const f = facts(
      "kubectl get pods | grep Running && echo ok || logger fail\n" +
        "for n in $(seq 3); do curl -s localhost:8080; done\n" +
        "if jq -e . f.json >/dev/null; then (http :80); fi\n" +
        "echo `hostname` <(sort a) >(tee b)\n" +
        "while ! nc -z localhost 80; do sleep 1; done",
    );
    expect(f.programs).toEqual(["kubectl", "grep", "logger", "seq", "curl", "jq", "http", "hostname", "sort", "tee", "nc", "sleep"]);
  });

  it("skips builtins, keywords, non-literal names and paths", () => {
    const f = facts('cd x; echo y; export A=1; [ -f x ]; [[ -n $A ]]; test 1; source ~/.bashrc; . env.sh; "$CMD" x; $(which kubectl) get; ./run.sh; ../bin/x; /usr/bin/env; true');
    // `which` runs, inside the substitution that names the command
    expect(f.programs).toEqual(["which"]);
  });

  it("removes quotes and escapes from command names", () => {
    expect(facts('"docker" ps; \\kubectl get pods').programs).toEqual(["docker", "kubectl"]);
  });

  it("skips leading assignments and follows wrappers", () => {
    expect(facts("DEBUG=1 npm start").programs).toEqual(["npm"]);
    expect(facts("sudo apt-get install -y jq").programs).toEqual(["sudo", "apt-get"]);
    expect(facts("sudo -u docker -E docker ps").programs).toEqual(["sudo", "docker"]);
    expect(facts("env -i HOME=/root PATH=/bin sh -c true").programs).toEqual(["env", "sh"]);
    expect(facts("time docker build .").programs).toEqual(["docker"]);
    expect(facts("nohup kubectl port-forward svc/webui 8000:80 &").programs).toEqual(["nohup", "kubectl"]);
    expect(facts("watch -n1 kubectl get pods").programs).toEqual(["watch", "kubectl"]);
    expect(facts('watch "kubectl get pods -o wide"').programs).toEqual(["watch", "kubectl"]);
    expect(facts("kubectl get pods -o name | xargs -n1 kubectl delete").programs).toEqual(["kubectl", "xargs"]);
    expect(facts("exec ssh node2").programs).toEqual(["ssh"]);
    expect(facts("command kubectl version").programs).toEqual(["kubectl"]);
    expect(facts("sudo env A=1 nohup stress --cpu 1").programs).toEqual(["sudo", "env", "nohup", "stress"]);
    expect(facts("timeout 60 curl localhost").programs).toEqual(["timeout", "curl"]);
  });

  it("does not count command -v lookups as calls", () => {
    expect(facts("command -v stern || echo missing").programs).toEqual([]);
  });

  it("excludes aliases and functions defined in the same text", () => {
    expect(facts("alias k=kubectl; k get pods").programs).toEqual([]);
    expect(facts("alias kg='kubectl get'; kg nodes").programs).toEqual([]);
    expect(facts("pods() { kubectl get pods; }; pods").programs).toEqual(["kubectl"]);
    expect(facts("function wait_for { sleep 1; }\nwait_for").programs).toEqual(["sleep"]);
  });

  it("lists the functions and aliases it defines, for later steps", () => {
    expect(facts("greet() { echo hi; }")).toMatchObject({ functions: ["greet"], aliases: [] });
    expect(facts("function wait_for { sleep 1; }")).toMatchObject({ functions: ["wait_for"] });
    expect(facts("alias k=kubectl kg='kubectl get'")).toMatchObject({ functions: [], aliases: ["k", "kg"] });
  });

  it("is unique, in order", () => {
    expect(facts("kubectl get pods; docker ps; kubectl get svc").programs).toEqual(["kubectl", "docker"]);
  });
});

describe("commands", () => {
  it("lists every simple command, nested ones after their parent", () => {
    const f = facts("kubectl logs $(kubectl get pods -o name | head -1) --tail 5");
    expect(f.commands).toEqual([
      ["kubectl", "logs", "$(kubectl get pods -o name | head -1)", "--tail", "5"],
      ["kubectl", "get", "pods", "-o", "name"],
      ["head", "-1"],
    ]);
  });

  it("removes quotes but keeps expansions", () => {
    const f = facts(`docker run -e "A=$B" 'single quoted' "plain" --name=web"$N" $'c'`);
    expect(f.commands).toEqual([["docker", "run", "-e", "A=$B", "single quoted", "plain", "--name=web$N", "$'c'"]]);
  });

  it("leaves out prefix assignments and redirections", () => {
    expect(facts("KUBECONFIG=k kubectl get pods > pods.txt 2>&1").commands).toEqual([["kubectl", "get", "pods"]]);
  });

  it("keeps arguments written after a redirection", () => {
    expect(facts("kubectl get pods > /tmp/pods.txt -o wide").commands).toEqual([["kubectl", "get", "pods", "-o", "wide"]]);
  });

  it("does not list declarations or tests", () => {
    expect(facts("export A=1; [ -z $A ]; unset A").commands).toEqual([]);
  });
});

describe("images", () => {
  const refs = (text: string): string[] => facts(text).images.map((i) => i.ref);

  it("reads --image in both spellings", () => {
    expect(refs("kubectl run pingpong --image alpine ping 127.0.0.1")).toEqual(["alpine"]);
    expect(refs("kubectl create deployment web --image=nginx:1.25")).toEqual(["nginx:1.25"]);
    expect(refs('kubectl run x --image="$REGISTRY/x:$TAG"')).toEqual(["$REGISTRY/x:$TAG"]);
  });

  it("reads docker and podman pull, push, tag and run", () => {
    expect(refs("docker pull --platform linux/amd64 redis")).toEqual(["redis"]);
    expect(refs("podman pull docker.io/library/alpine")).toEqual(["docker.io/library/alpine"]);
    expect(refs("docker push -q $REGISTRY/hasher:$TAG")).toEqual(["$REGISTRY/hasher:$TAG"]);
    expect(refs("docker tag dockercoins/rng:v0.1 $REGISTRY/rng:v0.1")).toEqual(["dockercoins/rng:v0.1", "$REGISTRY/rng:v0.1"]);
    expect(refs("docker run -d -p 8000:80 --name web -e A=1 -it --rm nginx sh -c 'echo hi'")).toEqual(["nginx"]);
    expect(refs("docker run -ti --net host -v /var/run:/var/run jpetazzo/nsenter")).toEqual(["jpetazzo/nsenter"]);
    expect(refs("docker container run --network=host alpine")).toEqual(["alpine"]);
    expect(refs("sudo docker pull ubuntu")).toEqual(["ubuntu"]);
  });

  it("reads docker build tags", () => {
    expect(refs("docker build -t $REGISTRY/webui:$TAG webui")).toEqual(["$REGISTRY/webui:$TAG"]);
    expect(refs("docker build --tag=worker . --tag worker:v2")).toEqual(["worker", "worker:v2"]);
    expect(refs("docker build .")).toEqual([]);
  });

  it("ignores other docker commands", () => {
    expect(refs("docker ps; docker images; docker-compose up")).toEqual([]);
  });

  it("points at the start of the reference", () => {
    const text = 'echo go; docker run --rm "$REGISTRY/web" && kubectl run w --image=\'web:1\'';
    const images = facts(text).images;
    expect(images).toEqual([
      { ref: "$REGISTRY/web", offset: text.indexOf("$REGISTRY") },
      { ref: "web:1", offset: text.indexOf("web:1") },
    ]);
  });

  it("counts offsets in UTF-16 code units, as JavaScript strings do", () => {
    const text = "echo café; docker pull redis";
    expect(facts(text).images).toEqual([{ ref: "redis", offset: text.indexOf("redis") }]);
  });
});

describe("robustness", () => {
  it("reports syntax errors without throwing", () => {
    expect(facts("if true; then echo").syntaxError).toBe(true);
    expect(facts('echo "unterminated').syntaxError).toBe(true);
    expect(facts("echo $(ls").syntaxError).toBe(true);
    expect(facts("kubectl get pods").syntaxError).toBe(false);
  });

  it("accepts an empty text", () => {
    expect(facts("")).toEqual({
      defines: [],
      uses: [],
      optionalUses: [],
      changesCwd: false,
      programs: [],
      functions: [],
      aliases: [],
      commands: [],
      images: [],
      syntaxError: false,
    });
  });

  it("asks for initShellParser() when called too early", async () => {
    vi.resetModules();
    const fresh = await import("../src/graph/shell.js");
    expect(() => fresh.analyzeShell("ls")).toThrow(/initShellParser/);
  });

  it("initializes once", async () => {
    await Promise.all([initShellParser(), initShellParser()]);
    expect(facts("ls").programs).toEqual(["ls"]);
  });

  it("stays fast on many blocks", () => {
    const block = "for SERVICE in hasher rng webui worker; do\n  kubectl create deployment $SERVICE --image=$REGISTRY/$SERVICE:$TAG\ndone";
    const start = performance.now();
    for (let i = 0; i < 2000; i++) facts(block);
    expect(performance.now() - start).toBeLessThan(5000);
  });
});

describe("command names that are also names of JavaScript's object properties", () => {
  it("are commands like any other (a random deck found `__proto__` crashing the plan)", () => {
    for (const name of ["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf"]) {
      const f = facts(`${name} X=1 arg`);
      expect(f.commands, name).toEqual([[name, "X=1", "arg"]]);
      expect(f.defines, name).toEqual([]);
    }
  });
});
