#!/usr/bin/env bash
# 60-recreate: the recreate swap (src/swap-recreate.c, through
# build/tools/recreate) against the real engine.  Config round trip: each of
# 34 container shapes, recreated on its own image, shows the same
# `docker inspect` afterwards apart from the fields `norm` below takes out,
# each with its reason.  Sentinel data in named, anonymous (image VOLUME,
# -v /path, --mount without source) and bind volumes survives; an
# AutoRemove container is recreated; a new image replaces the old image's
# defaults and keeps the user's settings; dependents of a container:X
# network follow X; failures and kills at every step end with exactly one
# container of the name, old or new; the old one is stopped with its own
# signal and timeout, also one longer than an engine call usually lasts.
. "$(dirname "$0")/lib.sh"

RECREATE=$T_ROOT/${B:-build}/tools/recreate
R=$REG_PLAIN/it60-$$
P=r60-$$					# container name prefix
LOCAL=it60-$$-img				# local (unpushed) images
LBL=(--label dockrev.test=1 --label "dockrev.test.script=$T_ID")
SOCK=${DOCKER_HOST:-unix:///var/run/docker.sock}
SOCK=${SOCK#unix://}
o=$(($$ % 200 + 20))				# per-run subnets and ports
# PB..PB+3: host ports for the ports shape, below the kernel's ephemeral
# range (no outgoing connection holds one) and with nothing listening on
# them now (another program on this machine may have picked one).
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for _ in $(seq 100); do
	PB=$((20000 + RANDOM % 1000 * 10))
	port_free "$PB" && port_free $((PB + 1)) && port_free $((PB + 2)) &&
		port_free $((PB + 3)) && break
done
N1=it60-$$-a N2=it60-$$-b N6=it60-$$-v6

# Anonymous volumes reattached by name count as named for `docker rm -v`:
# remove this script's containers, then their anonymous volumes.
test_cleanup() {
	local ids vols
	mapfile -t ids < <(docker ps -aq --filter "label=dockrev.test.script=$T_ID")
	if [ ${#ids[@]} -gt 0 ]; then
		mapfile -t vols < <(docker inspect -f '{{range .Mounts}}{{.Name}}
{{end}}' "${ids[@]}" | grep -E '^[0-9a-f]{64}$' | sort -u)
		docker rm -f -v "${ids[@]}" >/dev/null
		[ ${#vols[@]} -eq 0 ] || docker volume rm "${vols[@]}" >/dev/null
	fi
	docker rmi -f "$LOCAL:1" "$LOCAL:2" "$LOCAL:nosh" "$R/app:1" \
		"$R/app:2" >/dev/null 2>&1
	true
}

[ -x "$RECREATE" ] || {
	fail "build/tools/recreate is built" "missing $RECREATE"
	finish
}

# ---- the normaliser ----------------------------------------------------------------
# What may differ between the inspects of two containers with one
# configuration, and why:
#   Id, Created, State            another container, started anew
#   ResolvConfPath, HostnamePath, HostsPath, LogPath
#                                 files under /var/lib/docker/containers/<id>
#   GraphDriver                   the new container's own writable layer
#   ExecIDs, RestartCount         runtime counters of the old process
#   Config.Hostname when it is the container's own short id
#                                 Docker's default hostname, not a setting
#   NetworkSettings.SandboxID, SandboxKey, EndpointID, Networks.*.EndpointID
#                                 a new network namespace and endpoints
#   Networks.*.Aliases: the container's own short id
#                                 Docker adds it on user networks (< 1.45)
#   Networks.*.IPAddress and MacAddress unless IPAMConfig pins the IPv4
#   address, GlobalIPv6Address unless it pins the IPv6 one
#                                 dynamic addresses (and the MAC derived
#                                 from the IP) come from the pool again;
#                                 a user-set MAC is checked on its own
#   NetworkSettings.IPAddress, MacAddress, GlobalIPv6Address,
#   LinkLocalIPv6Address          the default bridge's endpoint, mirrored
#                                 from Networks.bridge (compared there)
#   NetworkSettings.Ports HostPort of a binding without a host port, or of
#   an exposed port published by -P (PublishAllPorts)
#                                 the engine picks a free port again, as on
#                                 any restart (the binding itself compares)
#   HostConfig.Mounts entries of anonymous volumes
#                                 reattached by name on purpose (so their
#                                 data survives); the resulting entry in
#                                 .Mounts, same volume Name, compares
#   HostConfig.Links order       listed in map order
#   Mounts[] order, and Mode of an anonymous volume
#                                 listed in map order; an explicit mount
#                                 records the SELinux default "z" where the
#                                 anonymous one had ""
NORM='
def anon: test("^[0-9a-f]{64}$");
.[0] | .Id[0:12] as $sid | (.HostConfig.PortBindings // {}) as $pb
| del(.Id, .Created, .State, .ResolvConfPath, .HostnamePath, .HostsPath,
	.LogPath, .GraphDriver, .ExecIDs, .RestartCount)
| .Config.Hostname |= (if . == $sid then "<own short id>" else . end)
| .HostConfig.Mounts |= (if . == null then null else
	map(select((.Type == "volume" and ((.Source // "") | (. == "" or anon)))
	| not)) | if . == [] then null else . end end)
| .HostConfig.Links |= (if . == null then null else sort end)
| .Mounts |= (sort_by(.Destination) | map(if .Type == "volume" and
	((.Name // "") | anon) then del(.Mode) else . end))
| .NetworkSettings |= (del(.SandboxID, .SandboxKey, .EndpointID,
	.IPAddress, .MacAddress, .GlobalIPv6Address, .LinkLocalIPv6Address)
	| .Networks |= (if . == null then null else map_values(del(.EndpointID)
		| .Aliases |= (if . == null then null else map(select(. != $sid)) end)
		| if (.IPAMConfig.IPv4Address // "") == "" then
			del(.IPAddress, .MacAddress) else . end
		| if (.IPAMConfig.IPv6Address // "") == "" then
			del(.GlobalIPv6Address) else . end) end)
	| .Ports |= (if . == null then null else with_entries(
		if ($pb[.key] // [{HostPort: ""}] | any(.HostPort == "")) then
		.value |= (if . == null then null else
			map(.HostPort = "random") end) else . end) end))'

norm() { jq -S "$NORM" "$1"; }

# same_inspect DESC BEFORE AFTER [JQ]: the normalised inspects (with JQ
# applied to both, default .) are equal.
same_inspect() {
	local d
	d=$(diff <(norm "$2" | jq -S "${4:-.}") <(norm "$3" | jq -S "${4:-.}"))
	if [ -z "$d" ]; then
		pass "$1"
	else
		fail "$1" "$d"
	fi
}

# ---- images, networks, volumes -------------------------------------------------------
img_build "$R/app:1" --marker one >/dev/null ||
	{ fail "img_build app:1"; finish; }
img_build "$R/app:2" --marker two --cmd "trap 'exit 0' TERM INT; while :; do sleep 2; done" \
	>/dev/null || { fail "img_build app:2"; finish; }
mkdir -p "$T_TMP/img1" "$T_TMP/img2" "$T_TMP/nosh"
cat >"$T_TMP/img1/Dockerfile" <<EOF
FROM $R/app:1
ENV A=1 SHARED=old
LABEL img.version=1 img.only1=yes
VOLUME /anon
EXPOSE 8080
WORKDIR /w1
EOF
cat >"$T_TMP/img2/Dockerfile" <<EOF
FROM $R/app:2
ENV A=2 SHARED=new NEWONLY=yes
LABEL img.version=2
VOLUME /anon
EXPOSE 9090
WORKDIR /w2
EOF
echo nosh >"$T_TMP/nosh/marker"
printf 'FROM scratch\nCOPY marker /marker\nCMD ["/nothing"]\n' \
	>"$T_TMP/nosh/Dockerfile"
ok "build $LOCAL:1" docker build -q -t "$LOCAL:1" "$T_TMP/img1"
ok "build $LOCAL:2" docker build -q -t "$LOCAL:2" "$T_TMP/img2"
ok "build $LOCAL:nosh" docker build -q -t "$LOCAL:nosh" "$T_TMP/nosh"
IMG1=$LOCAL:1
IMG2=$LOCAL:2
ok "network $N1" docker network create "${LBL[@]}" \
	--subnet "10.60.$o.0/24" "$N1"
ok "network $N2" docker network create "${LBL[@]}" \
	--subnet "10.61.$o.0/24" "$N2"
ok "network $N6 (IPv6)" docker network create "${LBL[@]}" --ipv6 \
	--subnet "10.62.$o.0/24" --subnet "fd60:0:0:$o::/64" "$N6"
VOL=it60-$$-named VOL2=it60-$$-ro
ok "volumes" docker volume create "${LBL[@]}" "$VOL"
docker volume create "${LBL[@]}" "$VOL2" >/dev/null
docker run --rm "${LBL[@]}" -v "$VOL2:/x" "$RIG_BASE_IMAGE" \
	sh -c 'echo ro-sentinel >/x/s'
mkdir -p "$T_TMP/bind" "$T_TMP/bindro"
echo host-bind >"$T_TMP/bind/host"
echo host-bindro >"$T_TMP/bindro/s"

LOOP="trap 'exit 0' TERM INT; while :; do sleep 1; done"

# ---- the shapes ----------------------------------------------------------------------
SHAPES=()
shape() {
	local n=$P-$1
	shift
	if run_ctr "$n" "$@" >"$T_TMP/run.out" 2>&1; then
		SHAPES+=("$n")
	else
		fail "docker run $n" "$(cat "$T_TMP/run.out")"
	fi
}

# container:X: the dependent's round trip comes before the owner's, so that
# it sees the same X (following X is tested below).
shape netcontainer "$IMG1" --network "container:$(run_ctr "$P-nsowner" \
	"$IMG1" --network "$N1" --network-alias owner)"
shape plain "$R/app:1"
shape usernet "$IMG1" --network "$N1" --ip "10.60.$o.10" \
	--network-alias web --network-alias www
shape twonets "$IMG1" --network "$N1" --ip "10.60.$o.11" --network-alias a1
docker network connect --ip "10.61.$o.11" --alias b1 --alias b2 "$N2" \
	"$P-twonets"
shape twodyn "$IMG1" --network "$N1" --network-alias dyn1
docker network connect --alias dyn2 "$N2" "$P-twodyn"
docker network connect bridge "$P-twodyn"
shape ipv6 "$IMG1" --network "$N6" --ip "10.62.$o.10" \
	--ip6 "fd60:0:0:$o::10"
shape ports "$IMG1" -p "127.0.0.1:$PB:80" -p "$((PB + 1))-$((PB + 2)):81-82" \
	-p "$((PB + 3)):53/udp" -p "127.0.0.1::90" -P
shape volumes "$IMG1" -v "$VOL:/named" -v /v3 \
	--mount type=volume,target=/m2 \
	--mount "type=volume,source=$VOL2,target=/m3,readonly" \
	-v "$T_TMP/bind:/bind" -v "$T_TMP/bindro:/bindro:ro"
shape tmpfs "$IMG1" --tmpfs /tt:size=1m,mode=1777 \
	--mount type=tmpfs,target=/t2,tmpfs-size=2097152
shape caps "$IMG1" --cap-add NET_ADMIN --cap-add SYS_TIME --cap-drop CHOWN \
	--security-opt no-new-privileges
shape envlabels "$IMG1" -e FOO=bar -e 'SPACEY=a b  c' -e EMPTY= \
	-e SHARED=user --label x=y --label 'dotted.key/with-slash=v=w, ü'
shape always "$IMG1" --restart always
shape onfailure "$IMG1" --restart on-failure:3
shape unlessstopped "$IMG1" --restart unless-stopped
shape autoremove "$IMG1" --rm
shape host "$IMG1" --network host
shape none "$IMG1" --network none --hostname h60 --domainname example.org
shape hostname "$IMG1" --hostname named-host --domainname example.org
shape health "$IMG1" --health-cmd 'test -f /marker' --health-interval 2s \
	--health-timeout 3s --health-retries 4 --health-start-period 1s
shape stop "$IMG1" --stop-signal SIGINT --stop-timeout 7
shape logs "$IMG1" --log-driver json-file --log-opt max-size=1m \
	--log-opt max-file=2 --log-opt labels=x --label x=1
shape ulimits "$IMG1" --ulimit nofile=1024:2048 --ulimit nproc=500:600
shape dns "$IMG1" --add-host foo:1.2.3.4 --add-host bar:5.6.7.8 \
	--dns 9.9.9.9 --dns-search example.org --dns-option ndots:2
shape readonly "$IMG1" --read-only --init
shape userwd "$IMG1" --user 1000:1000 --workdir /tmp --entrypoint sh \
	-- -c "$LOOP"
shape limits "$IMG1" --memory 64m --memory-swap 128m --cpus 0.5 \
	--pids-limit 100 --shm-size 32m --sysctl net.ipv4.ip_forward=1 \
	--oom-score-adj 100 --cpu-shares 512
# Legacy links to containers that are not recreated before "links" is.
run_ctr "$P-linked" "$IMG1" >/dev/null
run_ctr "$P-linked2" "$IMG1" >/dev/null
shape links "$IMG1" --link "$P-linked:pl" --link "$P-linked2"
shape devices "$IMG1" --device /dev/zero:/dev/myzero:r --group-add 1234
shape tty "$IMG1" -t -i
shape cmd "$IMG1" -- sh -c "echo custom; $LOOP"
run_ctr "$P-volsrc" "$IMG1" -v /data >/dev/null
shape volfrom "$IMG1" --volumes-from "$P-volsrc"
SHAPES+=("$P-nsowner")
# Created, never started: stays so.
if docker create --name "$P-created" "${LBL[@]}" -e X=1 "$IMG1" \
	>/dev/null 2>&1; then
	SHAPES+=("$P-created")
fi
# A MAC address set by the user (the CLI in use cannot at API 1.41).
mac=02:42:0a:3c:$(printf '%02x' "$o"):99
body=$(jq -cn --arg img "$IMG1" --arg net "$N1" --arg mac "$mac" \
	--arg t "$T_ID" '{Image: $img, MacAddress: $mac,
	Labels: {"dockrev.test": "1", "dockrev.test.script": $t},
	HostConfig: {NetworkMode: $net}}')
if curl -sf --unix-socket "$SOCK" -H 'Content-Type: application/json' \
	-d "$body" "http://docker/v1.41/containers/create?name=$P-mac" \
	>/dev/null && docker start "$P-mac" >/dev/null; then
	SHAPES+=("$P-mac")
else
	fail "create $P-mac through the API"
fi

like "at least 30 shapes" "${#SHAPES[@]}" '^(3[0-9]|[4-9][0-9])$'

# Sentinel data in every volume of every running shape.
for n in "${SHAPES[@]}"; do
	[ "$(docker inspect -f '{{.State.Running}}' "$n")" = true ] || continue
	docker exec -u 0 "$n" sh -c "echo $n >/anon/sentinel" 2>/dev/null
done
docker exec "$P-volumes" sh -c 'for d in /named /v3 /m2 /bind; do
	echo "vol $d" >"$d/sentinel"; done'

# ---- round trip: same image, same inspect ---------------------------------------------
# round_one NAME: recreates NAME, recording the inspects, the tool's
# answer and the sentinel (several run at once; checked afterwards).
round_one() {
	local n=$1
	docker inspect "$n" >"$T_TMP/$n.before" 2>/dev/null || return 0
	"$RECREATE" "$n" >"$T_TMP/$n.new" 2>"$T_TMP/$n.err"
	echo $? >"$T_TMP/$n.rc"
	docker inspect "$n" >"$T_TMP/$n.after" 2>/dev/null
	docker ps -aq --no-trunc --filter \
		"id=$(jq -r '.[0].Id' "$T_TMP/$n.before")" >"$T_TMP/$n.old"
	docker exec "$n" cat /anon/sentinel >"$T_TMP/$n.sentinel" 2>&1
	return 0
}
# Meanwhile: a container that takes 62 s to stop, past the engine client's
# usual 60 s per call, within its own --stop-timeout 75.
run_ctr "$P-slowstop" "$IMG1" --stop-signal SIGINT --stop-timeout 75 \
	-- sh -c "trap 'sleep 62; exit 7' INT; trap '' TERM
		while :; do sleep 1; done" >/dev/null
slow_old=$(docker inspect -f '{{.Id}}' "$P-slowstop")
(
	t0=$(date +%s)
	"$RECREATE" --keep-old "$P-slowstop" >"$T_TMP/slow.out" \
		2>"$T_TMP/slow.err"
	echo "$? $(($(date +%s) - t0))" >"$T_TMP/slow.rc"
) &
slow_pid=$!
# The dependent first, while its owner is still the same container.
round_one "$P-netcontainer"
pids=()
for n in "${SHAPES[@]}"; do
	[ "$n" = "$P-netcontainer" ] && continue
	while [ "$(jobs -rp | wc -l)" -ge 6 ]; do
		wait -n
	done
	round_one "$n" &
	pids+=($!)
done
wait "${pids[@]}"
for n in "${SHAPES[@]}"; do
	[ -f "$T_TMP/$n.before" ] || continue
	if [ "$(cat "$T_TMP/$n.rc")" != 0 ]; then
		fail "$n: recreate" "$(cat "$T_TMP/$n.err")"
		continue
	fi
	old=$(jq -r '.[0].Id' "$T_TMP/$n.before")
	new=$(cat "$T_TMP/$n.new")
	got=$(jq -r '.[0].Id' "$T_TMP/$n.after")
	if [ "$got" != "$new" ] || [ "$got" = "$old" ]; then
		fail "$n: a new container holds the name" "old $old" \
			"new $new" "has $got"
		continue
	fi
	same_inspect "$n: same inspect after recreate" "$T_TMP/$n.before" \
		"$T_TMP/$n.after"
	is "$n: running as before" \
		"$(jq -r '.[0].State.Running' "$T_TMP/$n.after")" \
		"$(jq -r '.[0].State.Running' "$T_TMP/$n.before")"
	is "$n: the old container is gone" "$(wc -l <"$T_TMP/$n.old")" 0
	if [ "$(jq -r '.[0].State.Running' "$T_TMP/$n.after")" = true ] &&
		[ "$(jq -r '.[0].Config.Volumes["/anon"] != null' \
			"$T_TMP/$n.after")" = true ]; then
		is "$n: anonymous volume data survived" \
			"$(cat "$T_TMP/$n.sentinel")" "$n"
	fi
done

# The settings that are not in the normalised comparison.
is "mac: the user's MAC address is kept" \
	"$(docker inspect -f "{{(index .NetworkSettings.Networks \"$N1\").MacAddress}}" "$P-mac")" \
	"$mac"
is "hostname: the user's hostname is kept" \
	"$(docker exec "$P-hostname" hostname)" named-host
is "plain: Docker's default hostname is the new short id" \
	"$(docker exec "$P-plain" hostname)" \
	"$(docker inspect -f '{{.Id}}' "$P-plain" | cut -c1-12)"
for d in /named /v3 /m2 /bind; do
	is "volumes: sentinel in $d survived" \
		"$(docker exec "$P-volumes" cat "$d/sentinel" 2>&1)" "vol $d"
done
is "volumes: read-only named volume" \
	"$(docker exec "$P-volumes" cat /m3/s 2>&1)" ro-sentinel
is "volumes: host file in the bind mount" \
	"$(docker exec "$P-volumes" cat /bind/host 2>&1)" host-bind
is "volumes: container file in the bind mount, on the host" \
	"$(cat "$T_TMP/bind/sentinel")" "vol /bind"
is "volfrom: the source's volumes still come through VolumesFrom" \
	"$(docker inspect -f '{{json .HostConfig.Mounts}}' "$P-volfrom")" null
is "volfrom: the source's anonymous volume" \
	"$(docker inspect -f '{{range .Mounts}}{{if eq .Destination "/data"}}{{.Name}}{{end}}{{end}}' "$P-volfrom")" \
	"$(docker inspect -f '{{range .Mounts}}{{if eq .Destination "/data"}}{{.Name}}{{end}}{{end}}' "$P-volsrc")"
is "autoremove: still AutoRemove" \
	"$(docker inspect -f '{{.HostConfig.AutoRemove}}' "$P-autoremove")" true
is "ipv6: the static IPv6 address" \
	"$(docker inspect -f "{{(index .NetworkSettings.Networks \"$N6\").GlobalIPv6Address}}" "$P-ipv6")" \
	"fd60:0:0:$o::10"

# ---- a second recreate of a recreated container changes nothing more -------------------
docker inspect "$P-volumes" >"$T_TMP/again.before"
"$RECREATE" "$P-volumes" >/dev/null 2>"$T_TMP/again.err" ||
	fail "volumes: recreate again" "$(cat "$T_TMP/again.err")"
docker inspect "$P-volumes" >"$T_TMP/again.after"
same_inspect "volumes: recreated twice, identical (HostConfig.Mounts too)" \
	"$T_TMP/again.before" "$T_TMP/again.after" '.'
is "volumes: second time, HostConfig.Mounts identical" \
	"$(jq -S '.[0].HostConfig.Mounts' "$T_TMP/again.after")" \
	"$(jq -S '.[0].HostConfig.Mounts' "$T_TMP/again.before")"

# ---- a new image: the user's settings stay, the old image's defaults go ------------------
run_ctr "$P-upg" "$IMG1" -e USERVAR=mine -e SHARED=user --label user.l=1 \
	-v "$VOL:/named" --network "$N1" --ip "10.60.$o.20" >/dev/null
run_ctr "$P-upgcmd" "$IMG1" -- sh -c "echo mine; $LOOP" >/dev/null
docker exec "$P-upg" sh -c 'echo upg >/anon/sentinel'
docker inspect "$P-upg" >"$T_TMP/upg.before"
if new=$("$RECREATE" "$P-upg" "$IMG2" 2>"$T_TMP/upg.err"); then
	pass "upg: recreated on $IMG2"
else
	fail "upg: recreated on $IMG2" "$(cat "$T_TMP/upg.err")"
fi
docker inspect "$P-upg" >"$T_TMP/upg.after"
u() { jq -c ".[0] | $1" "$T_TMP/upg.after"; }
is "upg: on the new image" "$(u .Image)" \
	"\"$(docker image inspect -f '{{.Id}}' "$IMG2")\""
is "upg: Config.Image is the new reference" "$(u .Config.Image)" "\"$IMG2\""
is "upg: env: the user's kept, the new image's defaults, no old default" \
	"$(u '.Config.Env | sort')" \
	"$(jq -cn '["A=2","NEWONLY=yes","PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","SHARED=user","USERVAR=mine"]')"
is "upg: Cmd is the new image's" "$(u .Config.Cmd)" \
	"$(docker image inspect -f '{{json .Config.Cmd}}' "$IMG2")"
is "upg: labels: the user's kept, the old image's gone, the new image's" \
	"$(u '.Config.Labels | with_entries(select(.key | startswith("dockrev") | not))')" \
	'{"img.version":"2","user.l":"1"}'
is "upg: WorkingDir is the new image's" "$(u .Config.WorkingDir)" '"/w2"'
is "upg: ExposedPorts are the new image's" "$(u '.Config.ExposedPorts | keys')" \
	'["9090/tcp"]'
is "upg: static IP kept" \
	"$(u ".NetworkSettings.Networks[\"$N1\"].IPAddress")" "\"10.60.$o.20\""
is "upg: anonymous volume data survived the image change" \
	"$(docker exec "$P-upg" cat /anon/sentinel 2>&1)" upg
is "upg: HostConfig unchanged" \
	"$(norm "$T_TMP/upg.after" | jq -S '.HostConfig')" \
	"$(norm "$T_TMP/upg.before" | jq -S '.HostConfig')"
"$RECREATE" "$P-upgcmd" "$IMG2" >/dev/null 2>&1
is "upgcmd: the user's Cmd is kept with a new image" \
	"$(docker inspect -f '{{json .Config.Cmd}}' "$P-upgcmd")" \
	"$(jq -cn --arg c "echo mine; $LOOP" '["sh","-c",$c]')"

# ---- container:X dependents follow X ----------------------------------------------------
run_ctr "$P-fx" "$IMG1" --network "$N1" >/dev/null
run_ctr "$P-fd" "$IMG1" --network "container:$P-fx" -e ROLE=dep >/dev/null
docker inspect "$P-fd" >"$T_TMP/fd.before"
if out=$("$RECREATE" --follow "$P-fx" 2>"$T_TMP/fx.err"); then
	pass "follow: recreated X and its dependent"
else
	fail "follow: recreated X and its dependent" "$(cat "$T_TMP/fx.err")"
fi
newx=$(docker inspect -f '{{.Id}}' "$P-fx")
docker inspect "$P-fd" >"$T_TMP/fd.after"
is "follow: the dependent joins the new X" \
	"$(jq -r '.[0].HostConfig.NetworkMode' "$T_TMP/fd.after")" \
	"container:$newx"
like "follow: reported" "$out" "dependent [0-9a-f]{64} [0-9a-f]{64}"
is "follow: the dependent runs" \
	"$(jq -r '.[0].State.Running' "$T_TMP/fd.after")" true
same_inspect "follow: the dependent is otherwise the same" \
	"$T_TMP/fd.before" "$T_TMP/fd.after" \
	'del(.HostConfig.NetworkMode, .Config.Hostname)'
is "follow: the dependent shares the new X's network" \
	"$(docker exec "$P-fd" cat /sys/class/net/eth0/address)" \
	"$(docker exec "$P-fx" cat /sys/class/net/eth0/address)"

# Legacy links follow their target too (planned before the rename, which
# rewrites them).
run_ctr "$P-lx" "$IMG1" >/dev/null
run_ctr "$P-lp" "$IMG1" --link "$P-lx:lxa" >/dev/null
docker inspect "$P-lp" >"$T_TMP/lp.before"
if out=$("$RECREATE" --follow "$P-lx" 2>"$T_TMP/lx.err"); then
	pass "follow links: recreated the target and the container linking it"
else
	fail "follow links: recreated the target and the container linking it" \
		"$(cat "$T_TMP/lx.err")"
fi
docker inspect "$P-lp" >"$T_TMP/lp.after"
like "follow links: reported" "$out" "dependent $(jq -r '.[0].Id' \
	"$T_TMP/lp.before") [0-9a-f]{64}"
same_inspect "follow links: the linking container is the same" \
	"$T_TMP/lp.before" "$T_TMP/lp.after"
like "follow links: its alias names the new target" \
	"$(docker exec "$P-lp" grep -w lxa /etc/hosts)" \
	"^$(docker inspect -f '{{.NetworkSettings.IPAddress}}' "$P-lx")[[:space:]]"

# ---- failures: undo leaves the old container as it was ------------------------------------
run_ctr "$P-undo" "$IMG1" --network "$N1" --ip "10.60.$o.30" -p "$((PB + 5)):80" \
	>/dev/null
docker exec "$P-undo" sh -c 'echo undo >/anon/sentinel'
docker inspect "$P-undo" >"$T_TMP/undo.before"
"$RECREATE" --fail-after start "$P-undo" >/dev/null 2>"$T_TMP/undo.err"
is "undo: --fail-after start exits 3" "$?" 3
docker inspect "$P-undo" >"$T_TMP/undo.after"
is "undo: the old container has its name back" \
	"$(jq -r '.[0].Id' "$T_TMP/undo.after")" \
	"$(jq -r '.[0].Id' "$T_TMP/undo.before")"
is "undo: running again" "$(jq -r '.[0].State.Running' "$T_TMP/undo.after")" true
same_inspect "undo: same inspect" "$T_TMP/undo.before" "$T_TMP/undo.after"
is "undo: one container of that config" \
	"$(docker ps -aq --filter "name=^/$P-undo" | wc -l)" 1
is "undo: data" "$(docker exec "$P-undo" cat /anon/sentinel 2>&1)" undo

# A new image the container cannot start on: the start fails for real.
run_ctr "$P-bad" "$IMG1" -- sh -c "echo bad; $LOOP" >/dev/null
docker inspect "$P-bad" >"$T_TMP/bad.before"
"$RECREATE" "$P-bad" "$LOCAL:nosh" >/dev/null 2>"$T_TMP/bad.err"
is "bad: an unstartable new image fails and is undone (exit 1)" "$?" 1
like "bad: the start failed" "$(cat "$T_TMP/bad.err")" 'start:'
is "bad: the old container is back, running" \
	"$(docker inspect -f '{{.Id}} {{.State.Running}}' "$P-bad")" \
	"$(jq -r '.[0].Id' "$T_TMP/bad.before") true"
is "bad: no other container" \
	"$(docker ps -aq --filter "name=^/$P-bad" | wc -l)" 1

# AutoRemove: the old container vanishes at stop; undo creates it again.
run_ctr "$P-rmundo" "$IMG1" --rm -e K=v >/dev/null
docker exec "$P-rmundo" sh -c 'echo rmundo >/anon/sentinel'
docker inspect "$P-rmundo" >"$T_TMP/rmundo.before"
"$RECREATE" --fail-after stop "$P-rmundo" >/dev/null 2>"$T_TMP/rmundo.err"
is "rmundo: --fail-after stop exits 3" "$?" 3
docker inspect "$P-rmundo" >"$T_TMP/rmundo.after" 2>/dev/null
is "rmundo: the old one vanished (AutoRemove)" \
	"$(docker ps -aq --filter "id=$(jq -r '.[0].Id' "$T_TMP/rmundo.before")" | wc -l)" 0
is "rmundo: restored and running" \
	"$(jq -r '.[0].State.Running' "$T_TMP/rmundo.after")" true
same_inspect "rmundo: restored with the same inspect" \
	"$T_TMP/rmundo.before" "$T_TMP/rmundo.after"
is "rmundo: anonymous volume data survived" \
	"$(docker exec "$P-rmundo" cat /anon/sentinel 2>&1)" rmundo

# ---- killed after each step: resuming from the journalled plan finishes -------------------
i=40
for step in rename create connect stop start; do
	n=$P-crash-$step
	i=$((i + 1))
	run_ctr "$n" "$IMG1" --network "$N1" --ip "10.60.$o.$i" \
		--network-alias c >/dev/null
	docker network connect --alias c2 "$N2" "$n"
	docker exec "$n" sh -c "echo $step >/anon/sentinel"
	docker inspect "$n" >"$T_TMP/$n.before"
	"$RECREATE" --stop-after "$step" --plan-out "$T_TMP/$n.plan" "$n" \
		>/dev/null 2>"$T_TMP/$n.err"
	is "crash after $step: stopped there (exit 4)" "$?" 4
	if "$RECREATE" --plan-in "$T_TMP/$n.plan" >/dev/null \
		2>"$T_TMP/$n.err2"; then
		pass "crash after $step: resumed from the plan"
	else
		fail "crash after $step: resumed from the plan" \
			"$(cat "$T_TMP/$n.err2")"
	fi
	docker inspect "$n" >"$T_TMP/$n.after"
	same_inspect "crash after $step: same inspect" "$T_TMP/$n.before" \
		"$T_TMP/$n.after"
	is "crash after $step: one container" \
		"$(docker ps -aq --filter "name=^/$n" | wc -l)" 1
	is "crash after $step: data" \
		"$(docker exec "$n" cat /anon/sentinel 2>&1)" "$step"
done
# Killed after a step, then undone from the plan.
n=$P-crash-undo
run_ctr "$n" "$IMG1" --network "$N1" >/dev/null
docker inspect "$n" >"$T_TMP/$n.before"
"$RECREATE" --stop-after connect --plan-out "$T_TMP/$n.plan" "$n" \
	>/dev/null 2>&1
"$RECREATE" --plan-in "$T_TMP/$n.plan" --fail-after rename >/dev/null 2>&1
is "crash then undo: exit 3" "$?" 3
is "crash then undo: the old container is back" \
	"$(docker inspect -f '{{.Id}} {{.State.Running}}' "$n")" \
	"$(jq -r '.[0].Id' "$T_TMP/$n.before") true"
is "crash then undo: one container" \
	"$(docker ps -aq --filter "name=^/$n" | wc -l)" 1

# Every step run twice in a row.
run_ctr "$P-twice" "$IMG1" --network "$N1" --ip "10.60.$o.60" >/dev/null
docker network connect "$N2" "$P-twice"
docker inspect "$P-twice" >"$T_TMP/twice.before"
ok "twice: every step run twice" "$RECREATE" --twice "$P-twice"
docker inspect "$P-twice" >"$T_TMP/twice.after"
same_inspect "twice: same inspect" "$T_TMP/twice.before" "$T_TMP/twice.after"

# ---- stop with the container's own signal and timeout --------------------------------------
# A 70 s StopTimeout, but the process exits at once on its StopSignal.
run_ctr "$P-longstop" "$IMG1" --stop-signal SIGINT --stop-timeout 70 \
	-- sh -c "trap 'exit 7' INT; trap '' TERM; while :; do sleep 1; done" \
	>/dev/null
old=$(docker inspect -f '{{.Id}}' "$P-longstop")
t0=$(date +%s)
ok "longstop: recreated" "$RECREATE" --keep-old "$P-longstop"
t1=$(date +%s)
is "longstop: the old one got its SIGINT (exit 7)" \
	"$(docker inspect -f '{{.State.ExitCode}}' "$old")" 7
like "longstop: without waiting out 70 s ($((t1 - t0)) s)" "$((t1 - t0))" \
	'^([0-9]|[1-5][0-9])$'
is "longstop: the old one is parked under its new name" \
	"$(docker inspect -f '{{.Name}}' "$old")" \
	"/$P-longstop-dockrev-old-${old:0:12}"
# Ignores every signal: killed after its 2 s.
run_ctr "$P-stubborn" "$IMG1" --stop-timeout 2 \
	-- sh -c "trap '' TERM INT; while :; do sleep 1; done" >/dev/null
old=$(docker inspect -f '{{.Id}}' "$P-stubborn")
t0=$(date +%s)
ok "stubborn: recreated" "$RECREATE" --keep-old "$P-stubborn"
t1=$(date +%s)
is "stubborn: the old one was killed (137)" \
	"$(docker inspect -f '{{.State.ExitCode}}' "$old")" 137
like "stubborn: after its own 2 s timeout ($((t1 - t0)) s)" "$((t1 - t0))" \
	'^([2-9]|[1-5][0-9])$'

# ---- the name held by someone else -------------------------------------------------------
run_ctr "$P-held" "$IMG1" >/dev/null
"$RECREATE" --plan-out "$T_TMP/held.plan" --stop-after rename "$P-held" \
	>/dev/null 2>&1
run_ctr "$P-held" "$R/app:2" >/dev/null
"$RECREATE" --plan-in "$T_TMP/held.plan" >/dev/null 2>"$T_TMP/held.err"
is "held: a stranger holding the name is not adopted (exit 5: undo refuses too)" \
	"$?" 5
like "held: says so" "$(cat "$T_TMP/held.err")" 'another image'
is "held: the stranger is untouched" \
	"$(docker inspect -f '{{.Config.Image}} {{.State.Running}}' "$P-held")" \
	"$R/app:2 true"

# ---- the 62 s stop started above ---------------------------------------------------------
wait "$slow_pid"
read -r slow_rc slow_secs <"$T_TMP/slow.rc"
is "slowstop: recreated" "$slow_rc" 0
is "slowstop: the old one ended by its own SIGINT handler, not killed (7)" \
	"$(docker inspect -f '{{.State.ExitCode}}' "$slow_old")" 7
like "slowstop: the stop waited its 62 s ($slow_secs s)" "$slow_secs" \
	'^(6[2-9]|[7-9][0-9]|1[0-9][0-9])$'

finish
