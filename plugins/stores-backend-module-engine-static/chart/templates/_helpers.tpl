{{/*
The store id. Required; the schema checks its form, this catches an empty value.
*/}}
{{- define "st.storeName" -}}
{{- required "store.name is required: the store id (lowercase letters, digits and '-', starting with a letter, at most 30 characters)" .Values.store.name -}}
{{- end -}}

{{/* Prefix of every object name. */}}
{{- define "st.fullname" -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}

{{- define "st.plan" -}}
{{- $plan := index .Values.plans .Values.store.plan -}}
{{- if not $plan -}}
{{- fail (printf "store.plan %q has no entry under plans" .Values.store.plan) -}}
{{- end -}}
{{- toYaml $plan -}}
{{- end -}}

{{/* Labels that never change for the life of the store (selectors). */}}
{{- define "st.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/*
The stores backend follows a store's objects by stores.backstage.io/store: every object and
pod template carries it.
*/}}
{{- define "st.stableLabels" -}}
{{ include "st.selectorLabels" . }}
app.kubernetes.io/part-of: stores-for-backstage
app.kubernetes.io/managed-by: {{ .Release.Service }}
stores.backstage.io/store: {{ include "st.storeName" . }}
stores.backstage.io/engine: static
backstage.io/kubernetes-id: {{ include "st.storeName" . }}
{{- end -}}

{{/*
All labels. Extra labels (store.labels, store.owner) are merged first so the chart's own keys win.
*/}}
{{- define "st.labels" -}}
{{- $labels := dict -}}
{{- range $k, $v := .Values.store.labels -}}
{{- $_ := set $labels $k (toString $v) -}}
{{- end -}}
{{- with .Values.store.owner -}}
{{- /* an entity ref such as group:default/team-a becomes the label value group-default-team-a */ -}}
{{- $_ := set $labels "stores.backstage.io/owner" (regexReplaceAll "[^A-Za-z0-9_.-]+" (toString .) "-" | trunc 63 | trimAll "-_.") -}}
{{- end -}}
{{- $_ := set $labels "helm.sh/chart" (printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_") -}}
{{- $_ := set $labels "app.kubernetes.io/version" .Chart.AppVersion -}}
{{- $_ := set $labels "stores.backstage.io/plan" .Values.store.plan -}}
{{- $labels = merge (include "st.stableLabels" . | fromYaml) $labels -}}
{{- toYaml $labels -}}
{{- end -}}

{{- define "st.host" -}}
{{- printf "%s.%s" (include "st.storeName" .) .Values.ingress.baseDomain -}}
{{- end -}}

{{/* Port nginx listens on in the unprivileged image: no capability is needed. */}}
{{- define "st.httpPort" -}}8080{{- end -}}
